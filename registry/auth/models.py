"""Accounts: users with one role each, and their API tokens."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.auth.passwords import hash_password, verify_password
from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import Role
from registry.extensions import db
from registry.text import clean_email, clean_text


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Centre staff always belong to a centre; experts and admins never do. Officers and
        # auditors may be attached to one, which bars them from deciding its candidates.
        sa.CheckConstraint(
            "role <> 'centre_staff' OR centre_id IS NOT NULL", name="centre_staff_has_centre"
        ),
        sa.CheckConstraint(
            "role NOT IN ('expert', 'admin') OR centre_id IS NULL", name="role_without_centre"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"))
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_centres.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated on every password change: it is part of the session id, so changing it
    # signs the user out everywhere else.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=lambda: secrets.token_hex(16)
    )
    # A second factor (TOTP), when the holder turned it on: the base32 secret.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The time step of the last code accepted: a code is accepted once (RFC 6238, 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the holder proved the email is theirs. Accounts made by an administrator, the
    # seeder or a claimed invitation are confirmed at creation; a self-service sign-up
    # starts unconfirmed (None) and can do nothing but wait for the link (docs/accounts.md).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # Reminders (expiry, review dates, digests) may be turned off; decisions always go out.
    reminders_off: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre = relationship("TrainingCentre", back_populates="staff")

    def __init__(self, **kwargs):
        # Confirmed unless the caller says otherwise (None): a column default would also
        # replace an explicit None.
        kwargs.setdefault("email_confirmed_at", utcnow())
        super().__init__(**kwargs)

    @validates("email")
    def _validate_email(self, _key, value):
        return clean_email(value)

    @validates("full_name")
    def _validate_full_name(self, _key, value):
        return clean_text(value)

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        """Whether `password` is this account's; an older or weaker hash is replaced."""
        ok, needs_rehash = verify_password(self.password_hash, password)
        if ok and needs_rehash:
            self.set_password(password)
        return ok

    def rotate_session_token(self):
        self.session_token = secrets.token_hex(16)

    @property
    def email_confirmed(self):
        return self.email_confirmed_at is not None

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.active

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class SignInThrottle(db.Model):
    """Failed sign-ins counted for one scope: an account, an address, or both together.

    `key` is a keyed hash of the email and/or address (registry/auth/throttle.py), so the
    table holds no address or email in clear.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (sa.CheckConstraint("failures >= 0", name="failures_not_negative"),)

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecondFactorRequirement(db.Model):
    """A role whose accounts must sign in with a second factor (TOTP); the admin keeps it."""

    __tablename__ = "second_factor_requirements"

    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"), primary_key=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
