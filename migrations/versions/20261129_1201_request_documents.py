"""CPD and name-correction requests carry an optional supporting document.

Revision ID: 20261129_1201
Revises: 20261129_0601
Create Date: 2026-11-29 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1201"
down_revision = "20261129_1001"
branch_labels = None
depends_on = None

TABLES = ("cpd_records", "name_change_requests")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("document_name", sa.String(length=255), nullable=True))
            batch_op.add_column(sa.Column("document_path", sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("document_sha256")
            batch_op.drop_column("document_path")
            batch_op.drop_column("document_name")
