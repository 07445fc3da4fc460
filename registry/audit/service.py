"""Writing and checking the hash-chained audit log."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa

from registry.audit.models import AuditEvent, VerificationCheck, VerificationSeal
from registry.database import DriverStatement, utcnow
from registry.extensions import db

GENESIS_HASH = "0" * 64
# Serialises writers on PostgreSQL so that two transactions never chain onto the same event.
_CHAIN_LOCK_KEY = 0x5051_4155  # "PQAU"


def _canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def compute_hash(event):
    """SHA-256 over the event's recorded fields and the hash of the event before it."""
    payload = _canonical(
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


def _lock_chain(session):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def _last_hash(session):
    prev_hash = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return prev_hash or GENESIS_HASH


def _chained(
    prev_hash, *, occurred_at, actor_id, actor_label, action, object_type, object_id, details
):
    event = AuditEvent(
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        # Round-trip through JSON so that what is hashed is exactly what is stored.
        details=json.loads(_canonical(details or {})),
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    return event


def record_event(action, *, actor=None, object_type, object_id=None, details=None):
    """Append an event to the log in the current transaction (flushed, not committed)."""
    session = db.session
    _lock_chain(session)
    event = _chained(
        _last_hash(session),
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    session.add(event)
    session.flush()
    return event


VERIFIED = "certificate.verified"
SEAL_BATCH = 1000
_CHECK_COLUMNS = ("id", "checked_at", "number", "certificate_id", "outcome", "client")
_CHECK_COLUMNS += ("actor_id", "actor_label")
_INSERT_CHECK = DriverStatement(VerificationCheck.__table__.insert(), _CHECK_COLUMNS[1:])
_EVENT_COLUMNS = ("occurred_at", "actor_id", "actor_label", "action", "object_type")
_EVENT_COLUMNS += ("object_id", "details", "prev_hash", "hash")


def log_verification(connection, *, number, certificate_id, outcome, client=None, actor=None):
    """Log one public check of a certificate with one INSERT on `connection`, a
    `registry.transactions.log_connection` (not committed).

    Nothing here takes the chain's lock, so checks are logged side by side;
    `seal_verifications` appends them to the chain afterwards.
    """
    connection.run(
        _INSERT_CHECK,
        checked_at=utcnow(),
        number=number,
        certificate_id=certificate_id,
        outcome=outcome,
        client=(client or "")[:64] or None,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "anonymous",
    )


def seal_verifications():
    """Append each logged check not yet in the chain to it, oldest first; returns how many.

    Each becomes a `certificate.verified` event that keeps the check's own time, actor and
    id (`details.check`). Call it in a unit of work that commits (`commit_with_retry`). On
    PostgreSQL the share lock waits for checks still being written and holds new ones back
    until the commit, so none can land behind the mark it records; on SQLite the write lock
    does the same.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE verification_checks IN SHARE MODE"))
    _lock_chain(session)
    mark = session.scalar(sa.select(sa.func.max(VerificationSeal.through_check_id))) or 0
    prev_hash, sealed = _last_hash(session), 0
    columns = [getattr(VerificationCheck, name) for name in _CHECK_COLUMNS]
    while True:
        # Rows and plain inserts, not ORM objects: a long backlog keeps memory flat.
        checks = session.execute(
            sa.select(*columns)
            .where(VerificationCheck.id > mark)
            .order_by(VerificationCheck.id)
            .limit(SEAL_BATCH)
        ).all()
        if not checks:
            break
        events = []
        for check in checks:
            event = _chained(
                prev_hash,
                occurred_at=check.checked_at,
                actor_id=check.actor_id,
                actor_label=check.actor_label,
                action=VERIFIED,
                object_type="certificate",
                object_id=check.certificate_id,
                details={
                    "number": check.number,
                    "outcome": check.outcome,
                    "client": check.client,
                    "check": check.id,
                },
            )
            events.append({name: getattr(event, name) for name in _EVENT_COLUMNS})
            prev_hash = event.hash
        session.execute(sa.insert(AuditEvent), events)
        mark, sealed = checks[-1].id, sealed + len(checks)
    if sealed:
        session.add(VerificationSeal(through_check_id=mark, checks=sealed))
        session.flush()
    return sealed


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self):
        return self.broken_id is None


def verify_chain():
    """Walk the log in order; report the first event that was altered, inserted or removed."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    # Closed even when the walk stops early: on PostgreSQL it is a server-side cursor.
    with db.session.scalars(query) as events:
        return _walk(events)


def _walk(events):
    expected_prev = GENESIS_HASH
    checked = 0
    for event in events:
        checked += 1
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                event.id,
                "does not follow the event before it (an event was inserted or deleted here)",
            )
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.id, "its content was altered after it was recorded")
        expected_prev = event.hash
    return ChainReport(checked)


def lock_chain(session=None):
    """Hold the chain's lock until the transaction ends: no event is appended meanwhile
    (the audit checkpoint reads the chain's end under it)."""
    _lock_chain(session or db.session)
