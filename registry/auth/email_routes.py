"""Pages reached from mailed links: confirming an email, resetting a password; and the
wait an unconfirmed account does nothing but."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in

from registry.auth import email_links
from registry.auth.forms import NewPasswordForm, ResetRequestForm
from registry.auth.routes import bp, fresh_session
from registry.auth.service import PasswordRefused
from registry.experts.invitations import ClaimRefused, invited_record
from registry.experts.invitations import claim_record as claim
from registry.extensions import db, limiter
from registry.navigation import home_endpoint

# What an account whose email is not confirmed yet may open: the wait page, the link,
# another link, signing out, the language switch and static files.
WHILE_UNCONFIRMED = {
    "auth.confirm_wait",
    "auth.confirm_email",
    "auth.resend_confirmation",
    "auth.logout",
    "auth.claim_record",
    "static",
}


UNCONFIRMED = "email_unconfirmed"  # in the session of an account that must wait


@user_logged_in.connect
def note_unconfirmed(_app, user, **_extra):
    """Decided at sign-in (as the second-factor rule), so that no request pays a query."""
    if user.email_confirmed:
        session.pop(UNCONFIRMED, None)
    else:
        session[UNCONFIRMED] = True


@bp.before_app_request
def wait_for_confirmation():
    """An account whose email is not confirmed can only wait for the link (or sign out)."""
    if not session.get(UNCONFIRMED):
        return None
    endpoint = request.endpoint or ""
    if endpoint in WHILE_UNCONFIRMED or endpoint.endswith(".set_language"):
        return None
    if not current_user.is_authenticated:  # the session ended meanwhile (a claim, sign-out)
        session.pop(UNCONFIRMED, None)
        return None
    return redirect(url_for("auth.confirm_wait"))


@bp.get("/account/confirm")
@login_required
def confirm_wait():
    if current_user.email_confirmed:  # confirmed from another browser meanwhile
        session.pop(UNCONFIRMED, None)
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("auth/confirm_wait.html")


@bp.post("/account/confirm/resend")
@login_required
@limiter.limit("5 per hour")
def resend_confirmation():
    if not current_user.email_confirmed:
        email_links.send_confirmation(current_user._get_current_object())
        db.session.commit()
        flash(_("A new confirmation link was sent to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("auth.confirm_wait"))


def _invalid_link():
    flash(_("This link is not valid: it was used already, has expired or is incomplete."), "error")
    return render_template("auth/link_invalid.html"), 404


@bp.get("/account/confirm/<token>")
def confirm_email(token):
    user = email_links.confirm_email(token)
    if user is None:
        db.session.rollback()
        return _invalid_link()
    db.session.commit()
    flash(_("Your email is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        session.pop(UNCONFIRMED, None)
        return redirect(url_for(home_endpoint(user)))
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        email_links.request_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If an account has this email, a link to set a new password was sent to it. "
                "It works for a short time and only once."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _new_password_page(save, done, template, **context):
    """A mailed link's form for a new password: `save(password)`, then sign in afresh."""
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            save(form.new_password.data)
        except PasswordRefused as exc:
            form.new_password.errors.append(str(exc.args[0]))
            status = 422
        except ClaimRefused as exc:
            db.session.rollback()
            flash(str(exc.args[0]), "error")
            status = 409
        else:
            db.session.commit()
            fresh_session()
            flash(done, "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=form, **context), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = email_links.reset_holder(token)
    if user is None:
        return _invalid_link()
    return _new_password_page(
        lambda password: email_links.reset_password(user, password),
        _("Your password was set. Sign in with it."),
        "auth/reset.html",
    )


@bp.route("/claim/<token>", methods=["GET", "POST"])
def claim_record(token):
    expert = invited_record(token)
    if expert is None:
        return _invalid_link()
    return _new_password_page(
        lambda password: claim(expert, password),
        _("Your account is ready. Sign in with your email and this password."),
        "auth/claim.html",
        expert=expert,
    )
