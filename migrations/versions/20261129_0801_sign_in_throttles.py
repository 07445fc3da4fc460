"""Failed sign-ins are slowed per account and address instead of locking the account.

Drops the lock-out (users.failed_logins, users.locked_until and its CHECK): anyone who
knew an officer's email could lock them out. Adds the throttle counters
(sign_in_throttles), the holder's TOTP secret for a second factor, and the roles the
admin requires it for (second_factor_requirements).

Revision ID: 20261129_0801
Revises: 20261122_0902
Create Date: 2026-11-29 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0801"
down_revision = "20261129_0301"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "failures >= 0", name=op.f("ck_sign_in_throttles_failures_not_negative")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "second_factor_requirements",
        sa.Column(
            "role",
            sa.Enum(
                "expert",
                "centre_staff",
                "officer",
                "auditor",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_second_factor_requirements")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_failed_logins_not_negative"), type_="check")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_secret")
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_users_failed_logins_not_negative"), "failed_logins >= 0"
        )
    op.drop_table("second_factor_requirements")
    op.drop_table("sign_in_throttles")
