"""Signed links mailed to people: confirm an email, reset a password, claim a record.

Each link is signed with SECRET_KEY (itsdangerous, one salt per purpose), expires, and is
single-use because it carries a fingerprint of what its use changes: a confirmation link
is void once the email is confirmed, a reset link once the password (and so its hash)
changed, an invitation once the record has an account.
"""

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRM = "confirm-email"
RESET = "reset-password"
CLAIM = "claim-record"


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def fingerprint(value):
    """A short digest of `value` (a password hash, an address): changes when it changes."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def max_age(purpose):
    """How long a link of `purpose` works."""
    config = current_app.config
    return {
        CONFIRM: timedelta(hours=config["REGISTRY_EMAIL_LINK_HOURS"]),
        RESET: timedelta(minutes=config["REGISTRY_RESET_LINK_MINUTES"]),
        CLAIM: timedelta(days=config["REGISTRY_INVITATION_DAYS"]),
    }[purpose]


def make_token(purpose, object_id, state):
    """A signed token for `object_id`, valid while its `state` fingerprint is unchanged."""
    return _serializer(purpose).dumps([object_id, fingerprint(state)])


def read_token(purpose, token):
    """(object_id, state fingerprint) of a genuine, unexpired token; None otherwise."""
    try:
        object_id, state = _serializer(purpose).loads(
            token, max_age=int(max_age(purpose).total_seconds())
        )
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(object_id, int) or not isinstance(state, str):
        return None
    return object_id, state


def site_path(endpoint, **values):
    """The path of `endpoint` on this site, also outside a request (tasks, the CLI)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)
