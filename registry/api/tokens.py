"""API tokens: shown once when created, stored only as SHA-256, revoked by their owner."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.models import ApiToken, User
from registry.database import utcnow
from registry.extensions import db
from registry.text import clean_text

TOKEN_PREFIX = "pqr_"  # noqa: S105  (not a secret: lets scanners and people spot a token)
MAX_ACTIVE_TOKENS = 10
NAME_MAX_LENGTH = 100
# last_used_at is written at most this often per token: a busy integration would
# otherwise turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(Exception):
    """A token cannot be created, revoked or used; the message says why."""


def hash_token(plaintext):
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(user, name, *, actor):
    """A new token for `user`; returns (ApiToken, plaintext). The plaintext is never stored."""
    name = clean_text(name)
    if not name:
        raise TokenError(_l("Give the token a name, for example the system that will use it."))
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(_l("The name is longer than %(count)s characters.", count=NAME_MAX_LENGTH))
    if not user.active:
        raise TokenError(_l("This account is disabled; it cannot have API tokens."))
    active = db.session.scalar(
        sa.select(sa.func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            _l(
                "You already have %(count)s active tokens. Revoke one you no longer use first.",
                count=MAX_ACTIVE_TOKENS,
            )
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(plaintext))
    db.session.add(token)
    _record("api_token.created", token, actor)
    return token, plaintext


def revoke_token(token, *, actor):
    """Refuse the token from now on. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    _record("api_token.revoked", token, actor)


def _record(event, token, actor):
    """Flush the change to `token` and audit it."""
    db.session.flush()
    details = {"user_id": token.user_id, "name": token.name}
    record_event(event, actor=actor, object_type="api_token", object_id=token.id, details=details)


def tokens_of(user):
    return db.session.scalars(
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def authenticate_token(plaintext):
    """The user a bearer token belongs to; TokenError if unknown, revoked or disabled.

    Records the time of use (at most once a minute per token) in its own commit: a use
    is a use even when the request then fails.
    """
    row = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(plaintext))
    ).first()
    if row is None or row.ApiToken.revoked_at is not None:
        raise TokenError(_l("The API token is not valid or was revoked."))
    token, user = row
    if not user.active:
        raise TokenError(_l("The account of this API token is disabled."))
    now = utcnow()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return user
