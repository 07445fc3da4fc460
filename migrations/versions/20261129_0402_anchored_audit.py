"""An audit anchored outside the database: the status history is hash-chained (per
expert, existing rows chained here), signed checkpoints are kept in `audit_checkpoints`,
and PostgreSQL refuses TRUNCATE on every append-only table.

Revision ID: 20261129_0402
Revises: 20261129_0401
Create Date: 2026-11-29 05:15:00
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "20261129_0402"
down_revision = "20261129_0401"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
NO_TRUNCATE = (
    "status_changes",
    "audit_events",
    "verification_checks",
    "issuer_keys",
    "certificate_credentials",
    "audit_checkpoints",
)


def _change_hash(prev_hash, row):
    """As registry.audit.history_chain.change_hash, frozen here."""
    at = row.created_at
    if isinstance(at, str):  # SQLite returns raw SQL timestamps as text (naive UTC)
        at = datetime.fromisoformat(at)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    evidence = row.evidence
    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    payload = json.dumps(
        {
            "prev": prev_hash,
            "expert_id": row.expert_id,
            "from": row.from_status,
            "to": row.to_status,
            "actor_id": row.actor_id,
            "reason": row.reason,
            "evidence": evidence,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _chain_existing_changes(postgresql):
    bind = op.get_bind()
    if postgresql:
        op.execute("ALTER TABLE status_changes DISABLE TRIGGER status_changes_append_only")
    else:
        op.execute("DROP TRIGGER status_changes_no_update")
    rows = bind.execute(
        sa.text(
            "SELECT id, expert_id, from_status, to_status, actor_id, reason, evidence, "
            "created_at FROM status_changes ORDER BY expert_id, id"
        )
    ).all()
    expert_id, prev = None, GENESIS_HASH
    for row in rows:
        if row.expert_id != expert_id:
            expert_id, prev = row.expert_id, GENESIS_HASH
        current = _change_hash(prev, row)
        bind.execute(
            sa.text("UPDATE status_changes SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": prev, "hash": current, "id": row.id},
        )
        prev = current
    if postgresql:
        op.execute("ALTER TABLE status_changes ENABLE TRIGGER status_changes_append_only")
    else:
        op.execute(
            "CREATE TRIGGER status_changes_no_update BEFORE UPDATE ON status_changes "
            "BEGIN SELECT RAISE(ABORT, 'status_changes is append-only'); END"
        )


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("status_changes", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("status_changes", sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_changes(postgresql)
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    if postgresql:
        op.execute(
            "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON "
            "audit_checkpoints FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
        )
        for table in NO_TRUNCATE:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION registry_append_only()"
            )
    else:  # SQLite has no TRUNCATE: an unqualified DELETE meets the delete trigger
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoints_no_{event.lower()} BEFORE {event} ON "
                "audit_checkpoints BEGIN SELECT RAISE(ABORT, "
                "'audit_checkpoints is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in NO_TRUNCATE:
            if table != "audit_checkpoints":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    if op.get_bind().dialect.name == "sqlite":  # the batch copy dropped the guards
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS status_changes_no_{event.lower()} BEFORE {event} "
                "ON status_changes BEGIN SELECT RAISE(ABORT, 'status_changes is append-only'); END"
            )
