"""Accounts: when the holder confirmed the email (unconfirmed sign-ups wait, then expire).

Revision ID: 20261129_1101
Revises: 20261129_0601
Create Date: 2026-11-29 06:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1101"
down_revision = "20261129_1201"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True)))
    # Accounts that exist already keep working: they count as confirmed since their creation.
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
