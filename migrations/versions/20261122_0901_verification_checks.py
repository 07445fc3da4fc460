"""Verification checks: the log of public checks, sealed into the audit chain afterwards.

Each check of a certificate was a hash-chained audit event written under the chain's lock,
so that checks, which anyone may run at any rate, queued behind one another. They are now
logged in `verification_checks`, in parallel, and `seal_verifications` appends them to the
chain (`verification_seals` records how far). Both tables are append-only, like the log.

Revision ID: 20261122_0901
Revises: 20261122_0701
Create Date: 2026-11-22 01:01:28.942096
"""

import sqlalchemy as sa
from alembic import op

revision = "20261122_0901"
down_revision = "20261122_0701"
branch_labels = None
depends_on = None

APPEND_ONLY = ("verification_checks", "verification_seals")


def upgrade():
    op.create_table(
        "verification_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_checks")),
    )
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
    # The same guard as the audit log's (registry_append_only() comes from the first revision).
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade():
    op.drop_table("verification_seals")
    op.drop_table("verification_checks")
