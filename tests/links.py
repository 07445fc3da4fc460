"""The link a queued message carries, as a test follows it (a path on this site)."""

import re

import sqlalchemy as sa

from registry.extensions import db
from registry.mail.models import OutboxMessage


def mailed_path(app, kind, to_address):
    """The site path in the latest `kind` message queued for `to_address`."""
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.to_address == to_address)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        assert message is not None, f"no {kind} message to {to_address}"
        public_url = app.config["REGISTRY_PUBLIC_URL"].rstrip("/")
        match = re.search(re.escape(public_url) + r"(/\S+)", message.body_text)
        assert match, message.body_text
        db.session.remove()
    return match.group(1)
