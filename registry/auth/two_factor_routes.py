"""Pages of the second factor: the code after the password, enrolment, the admin's rule."""

import time

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, user_logged_in

from registry.admin.forms import ROLE_LABELS
from registry.auth import throttle
from registry.auth import two_factor as factor
from registry.auth.forms import SecondFactorCodeForm, SecondFactorRequirementForm
from registry.auth.routes import bp, load_user, safe_next
from registry.extensions import db
from registry.navigation import home_endpoint
from registry.permissions import can_administer, can_use_second_factor, permission_required

PENDING = "second_factor_for"  # session: the account whose password was right, and when
PENDING_SECONDS = 300


def await_code(user):
    """After the right password: remember the account for the code page, sign in nobody."""
    session[PENDING] = [user.session_token, int(time.time())]


def _pending_user():
    token, since = session.get(PENDING) or (None, 0)
    if token is None or time.time() - since > PENDING_SECONDS:
        return None
    return load_user(token)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = _pending_user()
    if user is None or not user.active or not user.totp_secret:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    form = SecondFactorCodeForm()
    if form.validate_on_submit():
        wait = throttle.seconds_to_wait(user.email, request.remote_addr)
        if wait:
            flash(_("Too many wrong codes. Try again in %(seconds)s s.", seconds=wait), "error")
            return render_template("auth/login_code.html", form=form), 429
        if factor.accept_code(user, form.code.data):
            session.pop(PENDING, None)
            session.permanent = True
            login_user(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        throttle.record_failure(user.email, request.remote_addr)
        db.session.commit()
        form.code.errors.append(_("The code is not correct."))
    return render_template("auth/login_code.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    if not can_use_second_factor(current_user):
        abort(404)
    user = current_user._get_current_object()
    form = SecondFactorCodeForm()
    if user.totp_secret:  # on: a current code turns it off (unless the role requires it)
        if form.validate_on_submit():
            if factor.turn_off(user, form.code.data):
                db.session.commit()
                login_user(user)  # the session token changed: this session goes on
                flash(_("The second factor is off."), "success")
                return redirect(url_for("auth.second_factor"))
            form.code.errors.append(_("The code is not correct, or your role requires it."))
        return render_template("auth/second_factor.html", form=form, on=True)
    secret = session.get("second_factor_secret") or factor.new_secret()
    session["second_factor_secret"] = secret
    if form.validate_on_submit():
        if factor.turn_on(user, secret, form.code.data):
            db.session.commit()
            session.pop("second_factor_secret", None)
            session.pop(_NEEDS_FACTOR, None)
            flash(_("The second factor is on: sign-ins now ask for a code."), "success")
            return redirect(url_for(home_endpoint(user)))
        form.code.errors.append(_("The code is not correct."))
    return render_template(
        "auth/second_factor.html",
        form=form,
        on=False,
        qr=factor.enrolment_qr(user, secret),
        secret=secret,
    )


@bp.route("/admin/second-factor", methods=["GET", "POST"])
@permission_required(can_administer)
def second_factor_rule():
    form = SecondFactorRequirementForm()
    form.roles.choices = [(r.value, ROLE_LABELS[r]) for r in factor.STAFF_ROLES]
    if form.validate_on_submit():
        factor.require_for_roles(form.roles.data, actor=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.second_factor_rule"))
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in factor.required_roles())
    return render_template("auth/second_factor_rule.html", form=form)


_OPEN_WITHOUT_FACTOR = {"auth.second_factor", "auth.logout", "static", "public.set_language"}
_NEEDS_FACTOR = "second_factor_needed"  # session: the role requires one and it has none


@user_logged_in.connect
def note_a_missing_factor(_app, user, **_extra):
    """At sign-in, decided once: whether the account must enrol a second factor first."""
    if can_use_second_factor(user) and not user.totp_secret and factor.is_required_for(user):
        session[_NEEDS_FACTOR] = True
    else:
        session.pop(_NEEDS_FACTOR, None)


@bp.before_app_request
def enrol_when_required():
    """An account whose role requires a second factor and has none may only enrol one.

    Decided at sign-in (no query per request): a rule the admin sets applies to each
    account from its next sign-in; sessions end after REGISTRY_SESSION_IDLE_MINUTES.
    """
    if not session.get(_NEEDS_FACTOR) or request.endpoint in _OPEN_WITHOUT_FACTOR:
        return None
    flash(_("Your role requires a second factor: set it up to continue."), "info")
    return redirect(url_for("auth.second_factor"))
