"""Who is calling the API: a bearer token, never the browser session.

Views ask the same permission functions as the web pages (registry/permissions.py),
passing `api_user()`; the decorators below answer 401 before any view runs.
"""

from functools import wraps

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from werkzeug.local import LocalProxy

from registry.api.errors import ApiError
from registry.api.tokens import TokenError, authenticate_token
from registry.permissions import has_role


def api_user():
    """The user of the request's bearer token, or None for an anonymous call."""
    return g.get("api_user")


current_api_user = LocalProxy(api_user)


def identify_caller():
    """Before each API request: the language of its messages, then the bearer token.

    Messages follow Accept-Language, then the caller's own language, then the default
    (Vietnamese); the app's locale selector reads `g.api_locale`. A call without a token
    is anonymous; a wrong, revoked or disabled token is refused even on public endpoints,
    so that a client learns its token is bad.
    """
    languages = current_app.config["LANGUAGES"]
    g.api_locale = request.accept_languages.best_match(languages)
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, _l("Send the token as: Authorization: Bearer <token>."))
    try:
        g.api_user = authenticate_token(token)
    except TokenError as exc:
        raise ApiError(401, exc.args[0]) from exc
    if g.api_locale is None and g.api_user.locale in languages:
        g.api_locale = g.api_user.locale
        refresh()


def api_login_required(view):
    """401 unless the request carries a valid bearer token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if api_user() is None:
            raise ApiError(401)
        return view(*args, **kwargs)

    return wrapped


def api_role_required(*roles):
    """401 without a token, 403 unless the token's user has one of `roles`."""

    def decorator(view):
        @wraps(view)
        @api_login_required
        def wrapped(*args, **kwargs):
            if not has_role(api_user(), *roles):
                raise ApiError(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
