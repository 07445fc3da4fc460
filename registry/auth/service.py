"""Signing in (throttled, never locked), signing out, and changing passwords."""

from dataclasses import dataclass

import sqlalchemy as sa

from registry.audit.service import record_event
from registry.auth import throttle
from registry.auth.models import User
from registry.auth.passwords import password_problem, spend_a_verification
from registry.database import utcnow
from registry.enums import Role
from registry.extensions import db
from registry.mail.outbox import queue_message
from registry.text import clean_email


class PasswordRefused(ValueError):
    """A new password that breaks the rule (registry/auth/passwords.py); args[0] says why."""


@dataclass
class SignInResult:
    user: User | None = None
    retry_after: int = 0  # seconds to wait before the next attempt from this address

    @property
    def ok(self):
        return self.user is not None


def authenticate(email, password, address):
    """Check a sign-in attempt from `address`; failures slow the next attempts down."""
    now = utcnow()
    wait = throttle.seconds_to_wait(email, address, now)
    if wait:
        return SignInResult(retry_after=wait)
    user = db.session.scalar(sa.select(User).where(User.email == clean_email(email)))
    if user is None or not user.active:
        spend_a_verification(password)  # as long as for an account that exists
        throttle.record_failure(email, address, now)
        return SignInResult(retry_after=throttle.seconds_to_wait(email, address, now))
    if not user.check_password(password):
        started = throttle.record_failure(email, address, now)
        record_event("auth.sign_in_failed", actor=user, object_type="user", object_id=user.id)
        if "account" in started and user.role != Role.EXPERT:
            _warn_of_attack(user, now)
        return SignInResult(retry_after=throttle.seconds_to_wait(email, address, now))
    throttle.record_success(email, address, now)
    user.last_login_at = now
    record_event("auth.sign_in", actor=user, object_type="user", object_id=user.id)
    return SignInResult(user=user)


def _warn_of_attack(user, now):
    """Tell a staff account's holder that its sign-ins are being slowed (once an episode)."""
    queue_message(
        f"sign-in-attack:{user.id}:{now.isoformat()}",
        "sign_in_attack",
        to_address=user.email,
        recipient=user,
        full_name=user.full_name,
        at=now.strftime("%Y-%m-%d %H:%M UTC"),
    )
    record_event("auth.sign_in_attack_warned", actor=None, object_type="user", object_id=user.id)


def sign_out(user):
    """End every session of `user`: the session id in their cookies stops matching."""
    user.rotate_session_token()
    record_event("auth.signed_out", actor=user, object_type="user", object_id=user.id)


def check_new_password(user, password):
    """Refuse (PasswordRefused) a password that breaks the rule for this person."""
    problem = password_problem(password, full_name=user.full_name, email=user.email)
    if problem:
        raise PasswordRefused(problem)


def change_password(user, new_password):
    """Set a new password and end every other session of this user."""
    check_new_password(user, new_password)
    user.set_password(new_password)
    user.rotate_session_token()
    record_event("auth.password_changed", actor=user, object_type="user", object_id=user.id)
