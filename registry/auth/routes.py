"""Sign-in, sign-out and password change."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.auth.forms import ChangePasswordForm, LoginForm
from registry.auth.models import User
from registry.auth.service import authenticate, change_password
from registry.extensions import db, limiter, login_manager
from registry.navigation import home_endpoint

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_token):
    return db.session.scalar(db.select(User).where(User.session_token == session_token))


def safe_next(target):
    """A path on this site to go to after signing in, or None if `target` could lead elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _email_tried():
    return "login-email:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRY_LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["REGISTRY_LOGIN_EMAIL_RATE_LIMIT"],
    methods=["POST"],
    key_func=_email_tried,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if result.ok:
            lang = session.get("lang")
            session.clear()  # a fresh session on sign-in (no fixation)
            if lang:
                session["lang"] = lang
            session.permanent = True
            login_user(result.user)
            return redirect(
                safe_next(request.args.get("next")) or url_for(home_endpoint(result.user))
            )
        if result.locked_until:
            flash(
                _(
                    "Too many failed sign-ins: this account is locked until %(time)s.",
                    time=format_datetime(result.locked_until, "short"),
                ),
                "error",
            )
        else:
            flash(_("The email or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            change_password(current_user, form.new_password.data)
            db.session.commit()
            # The real object, not the proxy: the proxy would resolve to itself forever.
            login_user(current_user._get_current_object())  # this session goes on
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(url_for(home_endpoint(current_user)))
    return render_template("auth/password.html", form=form)
