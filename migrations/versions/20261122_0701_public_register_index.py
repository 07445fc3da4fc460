"""Public register index: listed experts in name order, covering the register's filters.

The public register (/register) searches certified-level experts who consented to be
listed, by accent-folded name, province, sector and level. This partial index holds only
those experts, ordered as the page lists them, with every column the filters read, so
that a search and its count over 100,000 experts never touch the table.

Revision ID: 20261122_0701
Revises: 20261122_0501
Create Date: 2026-11-22 07:01:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261122_0701"
down_revision = "20261122_0501"
branch_labels = None
depends_on = None

# `status || ''`: no index on status alone can serve this predicate, so the planner uses
# this index even when SQLite has no statistics (queries repeat this text exactly).
LISTED = (
    "consent_public_listing AND (status || '') IN "
    "('certified', 'accredited_regional', 'accredited_international')"
)


def upgrade():
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_experts_public_register",
            ["name_key", "id", "province", "sector", "status"],
            unique=False,
            sqlite_where=sa.text(LISTED),
            postgresql_where=sa.text(LISTED),
        )


def downgrade():
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_index("ix_experts_public_register")
