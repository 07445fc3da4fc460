"""The API's error format (SPEC §8): `{"error": {"code", "message"}}`, never an HTML page."""

import time
from contextlib import contextmanager

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from registry.extensions import db, limiter

API_PREFIX = "/api/v1"

# Stable, machine-readable codes; the message is for people and follows the locale.
ERRORS = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid API token: Authorization: Bearer <token>.")),
    403: ("forbidden", _l("Your account may not do this.")),
    404: ("not_found", _l("There is no such resource.")),
    405: ("method_not_allowed", _l("This endpoint does not accept that method.")),
    409: ("conflict", _l("The request conflicts with the current state of the registry.")),
    413: ("payload_too_large", _l("The request body is larger than the registry accepts.")),
    415: ("unsupported_media_type", _l("Send the body as JSON (Content-Type: application/json).")),
    422: ("invalid", _l("The request body is not valid.")),
    429: ("too_many_requests", _l("Too many requests. Wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong. The error was logged; nothing was saved.")),
    503: ("unavailable", _l("The service is unavailable.")),
}


class ApiError(Exception):
    """An answer of the API other than success; `fields` names the invalid input, if any."""

    def __init__(self, status, message=None, *, code=None, fields=None, headers=None):
        super().__init__(status, message)
        self.headers = headers
        self.status = status
        self.message = message
        self.code = code
        self.fields = fields


def rolled_back(status, message, field=None):
    """The ApiError of a refused change (naming `field`, if given); nothing is kept."""
    db.session.rollback()
    return ApiError(status, message, fields={field: message} if field else None)


@contextmanager
def committed(refusal, status=None):
    """Commit what the block writes; a `refusal` raised in it answers `status` (else its own
    `http_status`) with its message, and nothing is kept."""
    try:
        yield
    except refusal as exc:
        raise rolled_back(status or exc.http_status, str(exc)) from exc
    db.session.commit()


def is_api_request():
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(status, message=None, *, code=None, fields=None, headers=None):
    """The JSON body and headers of an API error."""
    status_code, status_message = ERRORS.get(status, ("error", ERRORS[500][1]))
    error = {"code": code or status_code, "message": str(message or status_message)}
    if fields:
        error["fields"] = {name: str(text) for name, text in fields.items()}
    response = jsonify({"error": error})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    response.headers.update(headers or {})
    return response


def http_error_response(exc):
    """An HTTPException (abort(404), routing errors, 413...) as an API error."""
    status = exc.code or 500
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if status == 429 and limiter.current_limit is not None:
        retry = limiter.current_limit.reset_at - time.time()
        headers["Retry-After"] = str(max(1, int(retry)))
    if status >= 500:
        db.session.rollback()
    return error_response(status if status in ERRORS else 500, headers=headers)


def app_error_response(status):
    """An error the app's own handlers caught under /api/v1 (mostly routing: 404, 405)."""
    exc = request.routing_exception
    if isinstance(exc, HTTPException) and exc.code == status:
        return http_error_response(exc)
    return error_response(status)


def register_error_handlers(bp):
    """Errors raised inside the API blueprint, and API errors raised anywhere, answer JSON.

    Other HTTP errors under /api/v1 (abort(409) and the like) reach flask-smorest's app-wide
    handler, which hands over to `http_error_response` (RegistryApi). Routing errors (an
    unknown path or method under /api/v1) never reach a blueprint: the app's own handlers
    ask `is_api_request()` and hand over to `http_error_response` too.
    """

    @bp.app_errorhandler(ApiError)
    def api_error(exc):
        if exc.status >= 500:
            db.session.rollback()
        return error_response(
            exc.status, exc.message, code=exc.code, fields=exc.fields, headers=exc.headers
        )

    # Flask looks for handlers by status code across the app before it looks by class: an
    # app-wide page for 429 (the public /verify page's) or 500 would otherwise answer the
    # API. On a 500 Flask has logged the exception already; the client learns nothing of it.
    for status in (429, 500):
        bp.errorhandler(status)(http_error_response)
