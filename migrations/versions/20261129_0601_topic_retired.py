"""Course catalogue: a topic can be retired (kept for its courses, offered no more).

Revision ID: 20261129_0601
Revises: 20261122_0902
Create Date: 2026-11-29 05:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0601"
down_revision = "20261129_0701"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_column("retired")
