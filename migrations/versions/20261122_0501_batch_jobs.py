"""Batch jobs: progress of certificate batch issuance started from the directorate's page.

The background process writes its counts here, chunk by chunk, so that any web worker
can show them (nothing is kept in process memory).

Revision ID: 20261122_0501
Revises: 20261121_0001
Create Date: 2026-11-21 22:55:59.673146
"""

import sqlalchemy as sa
from alembic import op

revision = "20261122_0501"
down_revision = "20261121_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "finished",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("course_code", sa.String(length=40), nullable=True),
        sa.Column("expert_ids", sa.JSON(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status IN ('finished', 'failed')) = (finished_at IS NOT NULL)",
            name=op.f("ck_batch_jobs_finished_when_closed"),
        ),
        sa.CheckConstraint(
            "done + failed <= total", name=op.f("ck_batch_jobs_progress_within_total")
        ),
        sa.CheckConstraint(
            "total >= 0 AND done >= 0 AND failed >= 0",
            name=op.f("ck_batch_jobs_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_batch_jobs_started_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_jobs")),
    )
    with op.batch_alter_table("batch_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_jobs_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("batch_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_jobs_status"))

    op.drop_table("batch_jobs")
