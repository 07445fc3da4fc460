"""Sign-in, sign-out and password change."""

import time
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
from flask_babel import gettext as _
from flask_login import (
    current_user,
    login_required,
    login_user,
    logout_user,
    user_logged_in,
)

from registry.auth.forms import ChangePasswordForm, LoginForm
from registry.auth.models import User
from registry.auth.service import PasswordRefused, authenticate, change_password, sign_out
from registry.extensions import db, limiter, login_manager
from registry.navigation import home_endpoint
from registry.permissions import can_use_second_factor

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


def fresh_session():
    """Clear the browser session (no fixation), keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def sign_in(user):
    """Sign `user` in, in a fresh session kept for PERMANENT_SESSION_LIFETIME."""
    fresh_session()
    session.permanent = True
    login_user(user)


# Only a flood guard per address: failed sign-ins are slowed per account and address by
# registry/auth/throttle.py, so that an office behind one address is not blocked.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRY_LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data, request.remote_addr)
        db.session.commit()
        if result.ok and result.user.totp_secret:  # the password alone signs nobody in
            fresh_session()
            two_factor_routes.await_code(result.user)
            return redirect(url_for("auth.login_code", next=safe_next(request.args.get("next"))))
        if result.ok:
            sign_in(result.user)
            return redirect(
                safe_next(request.args.get("next")) or url_for(home_endpoint(result.user))
            )
        if result.retry_after:
            message = _(
                "The email or password is not correct, or there were too many failed "
                "attempts. Try again in %(seconds)s s.",
                seconds=result.retry_after,
            )
            flash(message, "error")
            response = render_template("auth/login.html", form=form)
            return response, 429, {"Retry-After": str(result.retry_after)}
        flash(_("The email or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    fresh_session()
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
            try:
                change_password(current_user, form.new_password.data)
            except PasswordRefused as exc:
                form.new_password.errors.append(str(exc.args[0]))
            else:
                db.session.commit()
                # The real object, not the proxy: the proxy would resolve to itself forever.
                login_user(current_user._get_current_object())  # this session goes on
                flash(
                    _("Your password was changed. Your other sessions were signed out."), "success"
                )
                return redirect(url_for(home_endpoint(current_user)))
    return render_template(
        "auth/password.html", form=form, can_use_second_factor=can_use_second_factor(current_user)
    )


_SEEN_AT = "seen_at"  # the session's last request, in whole seconds since the epoch


@user_logged_in.connect
def mark_activity(_app, **_extra):
    """Every sign-in (here, at sign-up, after a password change) starts the idle clock."""
    session[_SEEN_AT] = int(time.time())


@bp.before_app_request
def end_idle_session():
    """A signed-in session unused for REGISTRY_SESSION_IDLE_MINUTES is signed out."""
    if "_user_id" not in session:  # anonymous, or an API call (null session): nothing to end
        return None
    now = int(time.time())
    seen_at = session.get(_SEEN_AT, 0)
    if now - seen_at > current_app.config["REGISTRY_SESSION_IDLE_MINUTES"] * 60:
        logout_user()
        fresh_session()
        flash(_("You were signed out after a period without activity."), "info")
        return None
    if now - seen_at >= 60:  # rewrite the cookie at most once a minute
        session[_SEEN_AT] = now
    return None


from registry.auth import email_routes, two_factor_routes  # noqa: E402,F401  (views join bp)
