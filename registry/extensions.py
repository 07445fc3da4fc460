"""Flask extensions, created unbound and bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from registry import ratelimit_storage  # noqa: F401  (registers registry-memory://)
from registry.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: each public endpoint states its own. Storage comes from
# RATELIMIT_STORAGE_URI (REGISTRY_RATELIMIT_STORAGE_URL; in-process counters,
# registry-memory://, unless Redis is configured).
# Limits are checked where they apply, not by a hook on every request (that hook cost every
# request about as much as the bare Flask app's whole answer): the blueprints whose views
# carry @limiter.limit run limiter.check before their views (registry/auth/routes.py,
# registry/certificates/routes.py), and so does the API (registry/api/__init__.py).
limiter = Limiter(key_func=get_remote_address, auto_check=False)
