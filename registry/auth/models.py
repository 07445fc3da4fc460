"""Accounts: users with one role each, and their API tokens."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

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
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
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
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # Reminders (expiry, review dates, digests) may be turned off; decisions always go out.
    reminders_off: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre = relationship("TrainingCentre", back_populates="staff")

    @validates("email")
    def _validate_email(self, _key, value):
        return clean_email(value)

    @validates("full_name")
    def _validate_full_name(self, _key, value):
        return clean_text(value)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def rotate_session_token(self):
        self.session_token = secrets.token_hex(16)

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.active

    def is_locked(self, now=None):
        return self.locked_until is not None and self.locked_until > (now or utcnow())

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
