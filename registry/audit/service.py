"""Writing and checking the hash-chained audit log."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.database import utcnow
from registry.extensions import db

GENESIS_HASH = "0" * 64
# Serialises writers on PostgreSQL so that two transactions never chain onto the same event.
_CHAIN_LOCK_KEY = 0x5051_4155  # "PQAU"


def canonical_json(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def compute_hash(event):
    """SHA-256 over the event's recorded fields and the hash of the event before it."""
    payload = canonical_json(
        {
            "prev": event.prev_hash,
            "at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": event.actor_id,
            "actor": event.actor_label,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": event.details,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def lock_chain(session=None):
    """Hold the chain's lock until the transaction ends: no event is appended meanwhile
    (the audit checkpoint reads the chain's end under it). A no-op but on PostgreSQL."""
    session = session or db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def _last_hash(session):
    prev_hash = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return prev_hash or GENESIS_HASH


def _chained(prev_hash, occurred_at, actor, action, object_type, object_id, details):
    event = AuditEvent(
        occurred_at=occurred_at,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        # Round-trip through JSON so that what is hashed is exactly what is stored.
        details=json.loads(canonical_json(details or {})),
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    return event


def record_event(action, *, actor=None, object_type, object_id=None, details=None):
    """Append an event to the log in the current transaction (flushed, not committed)."""
    session = db.session
    lock_chain(session)
    event = _chained(_last_hash(session), utcnow(), actor, action, object_type, object_id, details)
    session.add(event)
    session.flush()
    return event


def record_events(entries, *, actor=None):
    """Append many events in the current transaction, chained in the order given, with one
    INSERT for all: `entries` are (action, object_type, object_id, details). Returns the
    number appended. The chain is exactly what as many record_event calls would write."""
    entries = list(entries)
    if not entries:
        return 0
    session = db.session
    lock_chain(session)
    session.flush()  # events added one by one before these come first in the chain
    prev_hash, at = _last_hash(session), utcnow()
    rows = []
    for action, object_type, object_id, details in entries:
        event = _chained(prev_hash, at, actor, action, object_type, object_id, details)
        prev_hash = event.hash
        # Every column but the id, which the database gives.
        rows.append({c.key: getattr(event, c.key) for c in AuditEvent.__table__.c if c.key != "id"})
    # Inserted in the order given: ids ascend along the chain, as verify_chain walks it.
    session.execute(sa.insert(AuditEvent.__table__), rows)
    return len(rows)


@dataclass
class ChainReport:
    """The outcome of walking a chain: how many links were checked, and the first broken one."""

    checked: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self):
        return self.broken_id is None


def verify_chain():
    """Walk the log in order; report the first event that was altered, inserted or removed."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    expected_prev, checked = GENESIS_HASH, 0
    # Closed even when the walk stops early: on PostgreSQL it is a server-side cursor.
    with db.session.scalars(query) as events:
        for event in events:
            checked += 1
            if event.prev_hash != expected_prev:
                return ChainReport(
                    checked,
                    event.id,
                    "does not follow the event before it (an event was inserted or deleted here)",
                )
            if compute_hash(event) != event.hash:
                return ChainReport(
                    checked, event.id, "its content was altered after it was recorded"
                )
            expected_prev = event.hash
    return ChainReport(checked)
