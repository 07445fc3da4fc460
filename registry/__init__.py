"""The PQ expert registry: application factory."""

from pathlib import Path

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from registry import ratelimits
from registry.config import PROJECT_ROOT, load_config
from registry.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config=None):
    """Build the app; `config` (a dict) wins over the environment and the defaults."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    limiter.init_app(app)
    ratelimits.warn_if_counted_per_worker(app, app.config["REGISTRY_WORKERS"])

    from registry.api.auth import BrowserSessionInterface

    app.session_interface = BrowserSessionInterface()

    from registry import models  # noqa: F401  (every model registered before first use)

    _register_blueprints(app)
    _register_error_handlers(app)
    _register_template_helpers(app)

    from registry import security, tasks, transactions

    security.init_app(app)
    transactions.init_app(app)
    tasks.init_app(app)

    from registry.cli import registry_cli

    app.cli.add_command(registry_cli)
    return app


def _register_blueprints(app):
    from registry.admin.routes import bp as admin_bp
    from registry.audit.routes import bp as audit_bp
    from registry.audit.sampling_routes import bp as sampling_bp
    from registry.auth.routes import bp as auth_bp
    from registry.cases.routes import bp as cases_bp
    from registry.centres.routes import bp as centres_bp
    from registry.directorate.routes import bp as directorate_bp
    from registry.exams.routes import bp as exams_bp
    from registry.experts.routes import bp as experts_bp
    from registry.mail.routes import bp as mail_bp
    from registry.public.routes import bp as public_bp
    from registry.reports.routes import bp as reports_bp
    from registry.rights.routes import bp as rights_bp
    from registry.targets.routes import bp as targets_bp

    for bp in (
        public_bp,
        auth_bp,
        admin_bp,
        centres_bp,
        exams_bp,
        experts_bp,
        directorate_bp,
        targets_bp,
        reports_bp,
        audit_bp,
        sampling_bp,
        mail_bp,
        cases_bp,
        rights_bp,
    ):
        app.register_blueprint(bp)

    from registry.api import init_app as init_api
    from registry.api.pages import bp as tokens_bp
    from registry.audit.checkpoint_routes import bp as audit_checkpoints_bp
    from registry.certificates.routes import bp as certificates_bp
    from registry.credentials.routes import bp as credentials_bp

    init_api(app)
    for bp in (tokens_bp, certificates_bp, credentials_bp, audit_checkpoints_bp):
        app.register_blueprint(bp)


def _select_locale():
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    from registry.api.auth import api_locale
    from registry.api.errors import is_api_request

    if is_api_request():  # the API's callers choose with Accept-Language, not the session
        return api_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_error_handlers(app):
    def page(status, title, message):
        from registry.api.errors import app_error_response, is_api_request

        if is_api_request():  # unknown paths and methods under /api/v1 answer JSON too
            return app_error_response(status)
        return render_template("error.html", status=status, title=title, message=message), status

    csrf_message = _l(
        "The form was missing its security token or it expired. Reload the page and try again."
    )
    for error, status, title, message in (
        (400, 400, _l("Bad request"), _l("The request could not be understood.")),
        (CSRFError, 400, _l("Form expired"), csrf_message),
        (403, 403, _l("Not allowed"), _l("Your account may not open this page.")),
        (404, 404, _l("Not found"), _l("There is no such page.")),
        (405, 405, _l("Not allowed"), _l("This page does not accept that request.")),
        (413, 413, _l("File too large"), _l("The upload is larger than the registry accepts.")),
    ):
        app.register_error_handler(error, lambda _exc, args=(status, title, message): page(*args))

    from registry.experts.lifecycle import LifecycleError

    @app.errorhandler(LifecycleError)
    def lifecycle_refused(exc):
        # A view that did not handle a refusal itself: nothing of the request is kept.
        db.session.rollback()
        return page(exc.http_status, _l("Not possible now"), str(exc))

    import sqlite3

    import psycopg
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    # The drivers' own errors too: a connection taken from the pool outside SQLAlchemy's
    # execution (registry/transactions.py log_connection) raises them unwrapped.
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(psycopg.InterfaceError)
    def database_unavailable(exc):
        # The database did not answer (PostgreSQL restarting, SQLite's writer waited too
        # long, a connection dropped): nothing was saved and trying again later will work.
        try:
            db.session.rollback()
        except Exception:  # the connection itself may be gone
            db.session.remove()
        if "database is locked" in str(exc):
            return page(
                503,
                _l("The registry is busy"),
                _l("Nothing was saved. Try again in a moment."),
            )
        app.logger.warning("database unavailable: %s", type(exc).__name__)
        response = page(
            503,
            _l("The registry is unavailable"),
            _l("The database is not answering. Nothing was saved. Try again in a minute."),
        )
        return _retry_later(response)

    @app.errorhandler(500)
    def server_error(_exc):
        db.session.rollback()
        return page(500, _l("Something went wrong"), _l("The error was logged. Nothing was saved."))


def _retry_later(response):
    """Add Retry-After to an error answer (a page's (body, status) or a Response)."""
    if isinstance(response, tuple):
        return (*response, {"Retry-After": "30"})
    response.headers["Retry-After"] = "30"
    return response


def _register_template_helpers(app):
    from flask_babel import format_date, format_datetime, get_locale

    from registry.labels import ALL_LABELS
    from registry.navigation import navigation_for

    app.jinja_env.globals.update(ALL_LABELS)
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.filters["format_datetime"] = format_datetime

    @app.context_processor
    def inject():
        return {
            "locale": str(get_locale()),
            "navigation": navigation_for(current_user),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
