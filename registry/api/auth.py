"""Who is calling the API: a bearer token, never the browser session.

Views ask the same permission functions as the web pages (registry/permissions.py),
passing `api_user()`; the decorators below answer 401 before any view runs.
"""

from functools import wraps

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from werkzeug.local import LocalProxy

from registry.api.errors import ApiError, is_api_request
from registry.api.tokens import TokenError, authenticate_token
from registry.permissions import has_role


def api_user():
    """The user of the request's bearer token, or None for an anonymous call."""
    return g.get("api_user")


current_api_user = LocalProxy(api_user)


def identify_caller():
    """Before each API request: read `Authorization: Bearer <token>`; refuse a bad one.

    A call without the header is anonymous; a wrong, revoked or disabled token is refused
    even on public endpoints, so that a client learns its token is bad.
    """
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


class BrowserSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for the web pages only.

    An API request gets the null session, whatever cookies it carries: nothing in the API
    can read or change a signed-in browser's session, and a call does not pay for opening
    one (set as the app's session interface in create_app).
    """

    def open_session(self, app, request):
        if is_api_request():
            return self.make_null_session(app)
        return super().open_session(app, request)


def api_locale():
    """The language of API messages: Accept-Language, then the caller's own setting.

    None leaves the default (Vietnamese). Asked by the app's locale selector for every
    request under /api/v1, which never looks at the browser session.
    """
    languages = current_app.config["LANGUAGES"]
    chosen = request.accept_languages.best_match(languages)
    user = api_user()
    if chosen is None and user is not None and user.locale in languages:
        chosen = user.locale
    return chosen


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
