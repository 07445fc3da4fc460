"""The JSON API v1 (SPEC §8) on flask-smorest: bearer tokens, JSON errors, an OpenAPI document
generated from the marshmallow schemas the views read and answer with.

Requests here never use the browser session or CSRF tokens: they carry
`Authorization: Bearer <token>` (registry/api/auth.py). Rate limits are Flask-Limiter's,
declared on the blueprint (per token, else per address) and on the views with their own.
"""

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Api, Blueprint

from registry import models  # noqa: F401  (every model mapped before the views' modules load)
from registry.api.errors import http_error_response, is_api_request, register_error_handlers
from registry.api.input import Parser
from registry.api.output import ErrorSchema
from registry.extensions import csrf, limiter
from registry.ratelimits import key_by_token_or_address


class RegistryApi(Api):
    """flask-smorest's Api, answering errors in SPEC §8's format under /api/v1 only."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        # flask-smorest registers this for the whole app: the web pages keep Flask's own
        # answer (returning the exception is what Flask does when no handler exists).
        return http_error_response(error) if is_api_request() else error


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser(unknown=ma.RAISE)  # in the query string too, not only in bodies


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
register_error_handlers(bp)


def caller_limit():
    """The limit of a call with a token, or of an anonymous one (settings in config.py)."""
    with_token = "Authorization" in request.headers
    setting = "REGISTRY_API_TOKEN_RATE_LIMIT" if with_token else "REGISTRY_API_ANONYMOUS_RATE_LIMIT"
    return current_app.config[setting]


# Checked by Flask-Limiter's app-wide hook, before the blueprint looks the token up: a flood
# costs no database query.
limiter.limit(caller_limit, key_func=key_by_token_or_address)(bp)


@bp.after_request
def do_not_store(response):
    """Answers may hold personal data: no shared cache or browser keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# Modules with routes on bp.
from registry.api import (  # noqa: E402
    auth,
    centre_views,  # noqa: F401
    certificate_views,  # noqa: F401
    lifecycle_views,  # noqa: F401
    views,  # noqa: F401
)

bp.before_request(auth.identify_caller)


def init_app(app):
    """The API on `app`: its blueprint, and the OpenAPI document built from its schemas."""
    api = RegistryApi(
        app,
        spec_kwargs={
            "title": "PQ expert registry API",
            "version": "1.0.0",
            "openapi_version": "3.1.0",
            "info": {
                "description": "National registry of productivity-quality experts (Decision "
                '1322/QĐ-TTg). Errors are {"error": {"code", "message"}}; messages follow '
                "Accept-Language (vi, en)."
            },
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from /account/tokens or `flask registry create-token`.",
        },
    )
    api.register_blueprint(bp)
