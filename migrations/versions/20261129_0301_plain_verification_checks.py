"""Verification checks: a plain log, no longer sealed into the audit chain.

`verification_seals` goes (events already sealed stay in the chain). `verification_checks`
stays append-only but for one change: its `client` address may be set to NULL (the purge of
personal data after 90 days, `registry purge-checks`); every other column, and deletion,
are still refused. An index on `checked_at` serves that purge.

Revision ID: 20261129_0301
Revises: 20261122_0902
Create Date: 2026-11-29 04:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0301"
down_revision = "20261122_0902"
branch_labels = None
depends_on = None

TABLE = "verification_checks"
# Every column but `client`: none of them may change.
KEPT = ("id", "checked_at", "number", "certificate_id", "outcome", "actor_id", "actor_label")
# On SQLite `IS` compares as PostgreSQL's IS NOT DISTINCT FROM (NULL equals NULL).
ONLY_CLIENT_DROPPED = " AND ".join(
    ["NEW.client IS NULL"] + [f"NEW.{column} IS OLD.{column}" for column in KEPT]
)


def _sqlite_append_only(table, event, when=""):
    op.execute(
        f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} {when}"
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    )


def upgrade():
    op.drop_table("verification_seals")  # its triggers go with it
    op.create_index(op.f("ix_verification_checks_checked_at"), TABLE, ["checked_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_append_only ON {TABLE}")
        # Compared as JSON without `client`, so that a column added later is guarded too.
        op.execute(
            "CREATE FUNCTION registry_checks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_OP = 'UPDATE' AND NEW.client IS NULL "
            "AND to_jsonb(NEW) - 'client' = to_jsonb(OLD) - 'client' THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; "
            "END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION registry_checks_append_only()"
        )
    else:
        op.execute(f"DROP TRIGGER {TABLE}_no_update")
        _sqlite_append_only(TABLE, "UPDATE", f"WHEN NOT ({ONLY_CLIENT_DROPPED}) ")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_append_only ON {TABLE}")
        op.execute("DROP FUNCTION registry_checks_append_only()")
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
        )
    else:
        op.execute(f"DROP TRIGGER {TABLE}_no_update")
        _sqlite_append_only(TABLE, "UPDATE")
    op.drop_index(op.f("ix_verification_checks_checked_at"), table_name=TABLE)
    op.create_table(
        "verification_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("through_check_id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_seals")),
        sa.UniqueConstraint(
            "through_check_id", name=op.f("uq_verification_seals_through_check_id")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER verification_seals_append_only BEFORE UPDATE OR DELETE ON "
            "verification_seals FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            _sqlite_append_only("verification_seals", event)
