"""Batch jobs record the host their process runs on.

With the pid already recorded, a job whose process is gone from that host (killed,
crashed) no longer blocks a new run for ten minutes of heartbeat silence.

Revision ID: 20261122_0902
Revises: 20261122_0901
Create Date: 2026-11-22 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261122_0902"
down_revision = "20261122_0901"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("batch_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("batch_jobs", schema=None) as batch_op:
        batch_op.drop_column("host")
