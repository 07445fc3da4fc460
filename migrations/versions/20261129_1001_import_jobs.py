"""Import jobs: an import above a few hundred rows runs as a task, its page reads this row.

Revision ID: 20261129_1001
Revises: 20261129_0601
Create Date: 2026-11-29 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1001"
down_revision = "20261129_0902"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("trained", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('enrolments', 'results')", name=op.f("ck_import_jobs_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_import_jobs_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["training_centres.id"],
            name=op.f("fk_import_jobs_centre_id_training_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["exam_session_id"],
            ["exam_sessions.id"],
            name=op.f("fk_import_jobs_exam_session_id_exam_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_import_jobs_started_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_centre_id"), ["centre_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_import_jobs_started_by_id"), ["started_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_jobs_status"), ["status"], unique=False)


def downgrade():
    op.drop_table("import_jobs")
