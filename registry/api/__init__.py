"""The JSON API v1 (SPEC §8): bearer tokens, JSON errors, an OpenAPI document.

Requests here never use the browser session or CSRF tokens: they carry
`Authorization: Bearer <token>` (registry/api/auth.py).
"""

from flask import Blueprint, current_app, request

from registry.api.errors import ApiError, register_error_handlers
from registry.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
register_error_handlers(bp)


@bp.before_request
def limit_body_size():
    """JSON bodies are small: refuse a large one before reading it."""
    limit = min(
        current_app.config["REGISTRY_API_MAX_BODY_BYTES"], current_app.config["MAX_CONTENT_LENGTH"]
    )
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413)


@bp.after_request
def do_not_store(response):
    """Answers may hold personal data: no shared cache or browser keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from registry.api import auth, openapi, views  # noqa: E402,F401  (routes on bp)

bp.before_request(auth.identify_caller)
