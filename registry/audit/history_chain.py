"""The status history (`status_changes`) is hash-chained, one chain per expert.

Each change's `hash` covers its fields and `prev_hash`, the hash of the same expert's
previous change, so that an edited or removed row breaks its expert's chain. Chaining per
expert needs no lock of its own: every change of an expert is written while the expert's
row is locked by the transition's conditional update. What a per-expert chain cannot see
(an expert's last changes deleted, the table emptied, every hash recomputed) the signed
audit checkpoints see: they anchor a digest of the whole table (registry.audit.checkpoint).
"""

import hashlib
from datetime import UTC
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import event

from registry.audit.service import GENESIS_HASH, ChainReport, canonical_json
from registry.database import utcnow
from registry.experts.models import StatusChange
from registry.extensions import db


def _value(status):
    return None if status is None else getattr(status, "value", status)


def change_hash(prev_hash, change):
    """SHA-256 over a change's recorded fields and the hash of the expert's change before it
    (`change`: a StatusChange, or its columns as attributes)."""
    payload = canonical_json(
        {
            "prev": prev_hash,
            "expert_id": change.expert_id,
            "from": _value(change.from_status),
            "to": _value(change.to_status),
            "actor_id": change.actor_id,
            "reason": change.reason,
            "evidence": change.evidence,
            "at": change.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@event.listens_for(StatusChange, "before_insert")
def _chain(_mapper, connection, change):
    """Link a new change to its expert's last one, whatever code inserts it."""
    if change.created_at is None:
        change.created_at = utcnow()
    table = StatusChange.__table__
    prev_hash = connection.scalar(
        sa.select(table.c.hash)
        .where(table.c.expert_id == change.expert_id)
        .order_by(table.c.id.desc())
        .limit(1)
    )
    change.prev_hash = prev_hash or GENESIS_HASH
    change.hash = change_hash(change.prev_hash, change)


def insert_changes(session, rows):
    """Insert many status changes (dicts of StatusChange columns, `created_at` set) in one
    statement, each chained to its expert's last change exactly as the ORM event would
    chain it (several changes of one expert chain in the order given); returns their ids
    in that order. The experts' rows must be locked (their conditional update) already."""
    if not rows:
        return []
    table = StatusChange.__table__
    expert_ids = sorted({row["expert_id"] for row in rows})
    last = {}
    for start in range(0, len(expert_ids), 500):
        chunk = expert_ids[start : start + 500]
        newest = (
            sa.select(sa.func.max(table.c.id))
            .where(table.c.expert_id.in_(chunk))
            .group_by(table.c.expert_id)
        )
        last.update(
            session.execute(
                sa.select(table.c.expert_id, table.c.hash).where(table.c.id.in_(newest))
            ).all()
        )
    for row in rows:
        row["prev_hash"] = last.get(row["expert_id"]) or GENESIS_HASH
        row["hash"] = change_hash(row["prev_hash"], SimpleNamespace(**row))
        last[row["expert_id"]] = row["hash"]
    # Each row's hash is its own (it covers the expert and the previous hash), so the ids
    # come back by hash: a multi-row INSERT … RETURNING in any order, not row by row.
    statement = sa.insert(table).returning(table.c.hash, table.c.id)
    ids = dict(session.execute(statement, rows).all())
    return [ids[row["hash"]] for row in rows]


def verify_history():
    """Walk every expert's chain; report the first change altered, inserted or removed."""
    query = (
        sa.select(StatusChange)
        .order_by(StatusChange.expert_id, StatusChange.id)
        .execution_options(yield_per=1000)
    )
    checked, expert_id, expected_prev = 0, None, GENESIS_HASH
    with db.session.scalars(query) as changes:
        for change in changes:
            checked += 1
            if change.expert_id != expert_id:
                expert_id, expected_prev = change.expert_id, GENESIS_HASH
            if change.prev_hash != expected_prev:
                return ChainReport(
                    checked,
                    change.id,
                    "does not follow the expert's change before it (a change was removed)",
                )
            if change.hash != change_hash(change.prev_hash, change):
                return ChainReport(checked, change.id, "its content was altered")
            expected_prev = change.hash
    return ChainReport(checked)
