"""Who is calling the API: a bearer token, never the browser session.

Views ask the same permission functions as the web pages (registry/permissions.py),
passing `api_user()`: `allowed` for the endpoint as a whole (401, 403), then the view for
the object it loads (404 when the caller may not see it, naming nobody).
"""

from functools import wraps

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l

from registry.api import bp
from registry.api.errors import ApiError, is_api_request
from registry.api.output import ErrorSchema
from registry.api.tokens import TokenError, authenticate_token


def api_user():
    """The user of the request's bearer token, or None for an anonymous call."""
    return g.get("api_user")


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


def allowed(may=None):
    """The view answers 401 without a valid token, 403 unless `may(user)` (a predicate of
    registry/permissions.py for the endpoint as a whole; objects are checked by the view)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = api_user()
            if user is None:
                raise ApiError(401)
            if may is not None and not may(user):
                raise ApiError(403)
            return view(*args, **kwargs)

        wrapped = bp.doc(security=[{"bearerAuth": []}])(wrapped)
        return documents(401, *([403] if may else []))(wrapped)

    return decorator


def loads(name, loader):
    """The view's path parameter becomes an object, loaded and checked before the body is
    read (an object the caller may not see is 404, whatever the body says):
    `@loads("expert", visible_expert_or_404)` calls the view with
    `expert=visible_expert_or_404(expert_id)`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            (path_value,) = kwargs.values()
            return view(*args, **{name: loader(path_value)})

        return wrapped

    return decorator


ERROR_TEXT = {
    400: "Invalid query parameter, or a body that is not JSON.",
    401: "No token, or a token that is not valid, revoked, or of a disabled account.",
    403: "The token's user may not do this.",
    404: "No such object, or one the token's user may not see.",
    409: "Refused by the state of the registry (an illegal or concurrent change, a full "
    "course, a result too early...); the message says why.",
    422: "The body is not valid: missing, unknown or wrong fields (named in `fields`), or "
    "refused by the registry's rules.",
}


def documents(*statuses):
    """The view's OpenAPI operation lists these error answers (SPEC §8's format)."""

    def decorator(view):
        for status in statuses:
            view = bp.alt_response(status, schema=ErrorSchema, description=ERROR_TEXT[status])(view)
        return view

    return decorator
