"""The JSON API v1 (SPEC §8): bearer tokens, JSON errors, an OpenAPI document.

Requests here never use the browser session or CSRF tokens: they carry
`Authorization: Bearer <token>` (registry/api/auth.py).
"""

from flask import Blueprint

from registry.api.errors import register_error_handlers
from registry.api.throttle import throttle
from registry.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
register_error_handlers(bp)


@bp.after_request
def do_not_store(response):
    """Answers may hold personal data: no shared cache or browser keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# Modules with routes on bp.
from registry.api import (  # noqa: E402,F401
    auth,
    centre_views,
    certificate_views,
    lifecycle_views,
    openapi,
    views,
)

bp.before_request(throttle)
bp.before_request(auth.identify_caller)
