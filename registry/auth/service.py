"""Signing in with lockout, and changing passwords."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from registry.audit.service import record_event
from registry.auth.models import User
from registry.database import utcnow
from registry.extensions import db
from registry.text import clean_email


@dataclass
class SignInResult:
    user: User | None = None
    locked_until: object = None

    @property
    def ok(self):
        return self.user is not None


def authenticate(email, password):
    """Check a sign-in attempt; count failures and lock the account after too many."""
    user = db.session.scalar(sa.select(User).where(User.email == clean_email(email)))
    now = utcnow()
    if user is None or not user.active:
        return SignInResult()
    if user.is_locked(now):
        return SignInResult(locked_until=user.locked_until)
    if not user.check_password(password):
        user.failed_logins += 1
        details = {"failures": user.failed_logins}
        if user.failed_logins >= current_app.config["REGISTRY_LOGIN_MAX_FAILURES"]:
            minutes = current_app.config["REGISTRY_LOGIN_LOCKOUT_MINUTES"]
            user.locked_until = now + timedelta(minutes=minutes)
            user.failed_logins = 0
            details["locked_minutes"] = minutes
        record_event(
            "auth.sign_in_failed",
            actor=user,
            object_type="user",
            object_id=user.id,
            details=details,
        )
        return SignInResult(locked_until=user.locked_until if user.is_locked(now) else None)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record_event("auth.sign_in", actor=user, object_type="user", object_id=user.id)
    return SignInResult(user=user)


def change_password(user, new_password):
    """Set a new password and end every other session of this user."""
    user.set_password(new_password)
    user.rotate_session_token()
    record_event("auth.password_changed", actor=user, object_type="user", object_id=user.id)
