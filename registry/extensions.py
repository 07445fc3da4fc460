"""Flask extensions, created unbound and bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from registry.database import Base
from registry.ratelimits import key_by_address

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: each view states its own with @limiter.limit (registry/ratelimits.py
# has the key functions). Counters live in RATELIMIT_STORAGE_URI (REGISTRY_RATELIMIT_STORAGE_URL).
limiter = Limiter(key_func=key_by_address)
