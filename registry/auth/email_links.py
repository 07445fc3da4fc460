"""Accounts proven by email: confirming a sign-up, resetting a password, expiring
unconfirmed sign-ups. The links are registry/auth/links.py's; the mail goes through the
outbox in the caller's transaction."""

import secrets
from datetime import timedelta

import sqlalchemy as sa

from registry.audit.service import record_event
from registry.auth import links
from registry.auth.models import User
from registry.auth.service import check_new_password
from registry.database import utcnow
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.mail.outbox import queue_message, render
from registry.text import clean_email


def send_confirmation(user):
    """Mail `user` a link that confirms their email (a new one each time it is asked)."""
    token = links.make_token(links.CONFIRM, user.id, user.email)
    queue_message(
        f"confirm-email:{user.id}:{secrets.token_hex(8)}",
        "confirm_email",
        to_address=user.email,
        recipient=user,
        full_name=user.full_name,
        path=links.site_path("auth.confirm_email", token=token),
        hours=links.max_age(links.CONFIRM).total_seconds() // 3600,
    )


def _linked_account(purpose, token, state):
    """The active account a genuine, unexpired link of `purpose` names, while `state(user)`
    is as it was when the link was made; None otherwise."""
    found = links.read_token(purpose, token)
    user = found and db.session.get(User, found[0])
    if user is None or not user.active or links.fingerprint(state(user)) != found[1]:
        return None
    return user


def confirm_email(token):
    """Confirm the email of the account a genuine, unused, unexpired link names; the
    account, or None for any other link."""
    user = _linked_account(links.CONFIRM, token, lambda user: user.email)
    if user is None or user.email_confirmed:
        return None
    user.email_confirmed_at = utcnow()
    record_event("auth.email_confirmed", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return user


def _reset_state(user):
    # A reset link is void once the password changed (its hash changes) or the account's
    # sessions were ended by a newer reset.
    return f"{user.password_hash}:{user.session_token}"


def send_reset(user, *, by=None):
    """Mail `user` a single-use link to set a new password; `by` an administrator who asked."""
    token = links.make_token(links.RESET, user.id, _reset_state(user))
    queue_message(
        f"password-reset:{user.id}:{secrets.token_hex(8)}",
        "password_reset",
        to_address=user.email,
        recipient=user,
        full_name=user.full_name,
        path=links.site_path("auth.reset_password", token=token),
        minutes=int(links.max_age(links.RESET).total_seconds() // 60),
        by_admin=by is not None,
    )
    if by is not None:
        record_event("admin.password_reset_sent", actor=by, object_type="user", object_id=user.id)


def request_reset(email):
    """Someone asked for a reset of `email`: mail the link if an active account has it.

    The caller answers the same whatever happened; the message is rendered either way, so
    the work (and the time it takes) does not tell whether the address exists.
    """
    user = db.session.scalar(sa.select(User).where(User.email == clean_email(email or "")))
    if user is None or not user.active:
        render("password_reset", "vi", full_name="", path="", minutes=0, by_admin=False)
        return
    send_reset(user)
    record_event("auth.password_reset_requested", actor=user, object_type="user", object_id=user.id)


def reset_holder(token):
    """The account a genuine, unused, unexpired reset link is for; None otherwise."""
    return _linked_account(links.RESET, token, _reset_state)


def reset_password(user, new_password):
    """Set the new password through a reset link: every session ends, the link is used up,
    and the email counts as confirmed (the link reached it). PasswordRefused if weak."""
    check_new_password(user, new_password)
    user.set_password(new_password)
    user.rotate_session_token()
    if not user.email_confirmed:
        user.email_confirmed_at = utcnow()
    record_event("auth.password_reset", actor=user, object_type="user", object_id=user.id)
    db.session.flush()


def delete_unconfirmed(now, days):
    """Delete self-service accounts whose email was not confirmed within `days`; their ids.

    Such an account could do nothing (no record, no token), so nothing else refers to it
    but its own audit events, which keep the id only.
    """
    from registry.experts.models import Expert  # the experts package imports this one

    cutoff = now - timedelta(days=days)
    ids = db.session.scalars(
        sa.select(User.id).where(
            User.email_confirmed_at.is_(None),
            User.created_at < cutoff,
            ~sa.exists().where(Expert.user_id == User.id),
        )
    ).all()
    if ids:  # the confirmation mail they were sent stays in the outbox, addressed to no one
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.recipient_id.in_(ids))
            .values(recipient_id=None)
        )
    for user_id in ids:
        db.session.delete(db.session.get(User, user_id))
        record_event("auth.unconfirmed_deleted", actor=None, object_type="user", object_id=user_id)
    db.session.flush()
    return list(ids)
