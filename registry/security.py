"""Protection that applies to every response, set in one place.

- Request size limits: MAX_CONTENT_LENGTH (uploads), and a smaller one for API bodies
  (REGISTRY_API_MAX_BODY_BYTES), refused with 413 before anything is read or routed.
- Security headers. The Content-Security-Policy allows no inline script or style and
  no framing: templates keep scripts in registry/static/js/ and styles in CSS files.
- Logs carry no personal data: SQL parameters are hidden (config), and a filter masks
  what still reaches a log record: email addresses, and the values PostgreSQL quotes in
  its error details ("Key (email)=(...)", "Failing row contains (...)").

- Control characters (NUL...) in any text of a request: 400 (the rule: registry/text.py).

Rate limits (sign-in, verification, token use) are Flask-Limiter's, declared on the views;
the key functions are in registry/ratelimits.py.
"""

import logging
import re

from flask import abort, request
from flask_babel import lazy_gettext as _l

from registry.text import control_characters_anywhere

CONTROL_MESSAGE = _l("Control characters (such as NUL) are not accepted in any text.")
FIELD_CONTROL_MESSAGE = _l("must not contain control characters")  # as registry/api/input.py
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Pico's icons are data: SVGs in its stylesheet
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Certificate codes travel in query strings: never send a full URL to another site.
REFERRER_POLICY = "same-origin"
HSTS = "max-age=31536000; includeSubDomains"

_MASKS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"(Key \([^)]*\))=\(.*?\)( already exists| is not present|$)", re.M), r"\1=(…)\2"),
    (re.compile(r"Failing row contains \(.*\)"), "Failing row contains (…)"),
]


def mask_personal_data(text):
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Masks personal data in log records: the formatted message and any traceback."""

    def filter(self, record):
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


def control_characters_in_request():
    """Where the request's text holds a control character: ("path", None), ("query", name),
    ("form", name) or ("body", name or None); None when it holds none."""
    if control_characters_anywhere(request.path):
        return "path", None
    for name, value in request.args.items(multi=True):
        if control_characters_anywhere(name) or control_characters_anywhere(value):
            return "query", name
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested too deeply: the API answers malformed_json itself
            return None
        if isinstance(body, dict):
            for name, value in body.items():
                if control_characters_anywhere(name):
                    return "body", None
                if control_characters_anywhere(value):
                    return "body", name
        return ("body", None) if control_characters_anywhere(body) else None
    for name, value in request.form.items(multi=True):
        if control_characters_anywhere(name) or control_characters_anywhere(value):
            return "form", name
    return None


def init_app(app):
    production = app.config["REGISTRY_ENV"] == "production"

    @app.before_request
    def limit_request_size():
        from registry.api.errors import is_api_request

        limit = app.config["MAX_CONTENT_LENGTH"]
        if is_api_request():  # JSON bodies are small
            limit = min(limit, app.config["REGISTRY_API_MAX_BODY_BYTES"])
        request.max_content_length = limit  # also bounds a body sent without a length
        if request.content_length is not None and request.content_length > limit:
            abort(413)

    @app.before_request
    def refuse_control_characters():
        """NUL and other control characters in the path (404), the query, a form or a JSON
        body (400; 422 naming an API body's field) before any view runs: nothing is read or
        written with them."""
        found = control_characters_in_request()
        if found is None:
            return
        from registry.api.errors import ApiError, is_api_request

        place, name = found
        if place == "path":  # no page or resource is named with them (the API documents 404)
            abort(404)
        if not is_api_request():
            abort(400)
        # The API's answers to other bad input: a parameter 400, a body field 422, by name.
        if place == "query":
            raise ApiError(
                400, CONTROL_MESSAGE, code="invalid_parameter", fields={name: CONTROL_MESSAGE}
            )
        if place == "body" and name is not None:
            message = f"{name} {FIELD_CONTROL_MESSAGE}."  # as the API words a bad field
            raise ApiError(422, message, fields={name: FIELD_CONTROL_MESSAGE})
        raise ApiError(400, CONTROL_MESSAGE)

    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", REFERRER_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if production:  # over plain HTTP in development the header would be ignored or harmful
        defaults.append(("Strict-Transport-Security", HSTS))
    defaults = [(name.lower(), name, value) for name, value in defaults]

    @app.after_request
    def set_security_headers(response):
        """Each header unless the view set its own (one pass: this runs on every answer)."""
        present = {name.lower() for name, _value in response.headers.items()}
        response.headers.extend(
            [(name, value) for key, name, value in defaults if key not in present]
        )
        return response

    app.logger.addFilter(PersonalDataFilter())
