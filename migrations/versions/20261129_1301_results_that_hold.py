"""Results that hold: every exam session belongs to a course; corrections of frozen results.

A session without a course cannot say whose results it may hold, so `course_id` becomes
NOT NULL. The upgrade never guesses a course and never deletes a session: when sessions
without a course exist, it stops and names them; attach each to the course of its centre it
examined (or delete it if it holds no result), then upgrade again (docs/centres.md).

Revision ID: 20261129_1301
Revises: 20261129_1501
Create Date: 2026-11-29 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1301"
down_revision = "20261129_1501"
branch_labels = None
depends_on = None


class SessionsWithoutCourse(RuntimeError):
    """The data must be put right by a person before the upgrade can go on."""


def _refuse_sessions_without_course():
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT s.id, c.code, s.held_on, "
                "(SELECT count(*) FROM exam_results r WHERE r.session_id = s.id) "
                "FROM exam_sessions s JOIN training_centres c ON c.id = s.centre_id "
                "WHERE s.course_id IS NULL ORDER BY s.id"
            )
        )
        .all()
    )
    if rows:
        listed = "; ".join(
            f"session {sid} (centre {code}, held on {held_on}, {count} results)"
            for sid, code, held_on, count in rows
        )
        raise SessionsWithoutCourse(
            f"{len(rows)} exam session(s) belong to no course: {listed}. Every session must "
            "belong to a course of its centre. Set each one's course_id to the course of the "
            "same centre it examined, or delete it if it holds no result, then run the "
            "upgrade again. "
            "See docs/centres.md, 'Sessions without a course'."
        )


def upgrade():
    _refuse_sessions_without_course()
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.alter_column("course_id", existing_type=sa.Integer(), nullable=False)

    op.create_table(
        "exam_result_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("old_score", sa.Integer(), nullable=False),
        sa.Column("new_score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "new_score >= 0", name=op.f("ck_exam_result_corrections_new_score_not_negative")
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)",
            name=op.f("ck_exam_result_corrections_decided_when_closed"),
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["exam_results.id"],
            name=op.f("fk_exam_result_corrections_result_id_exam_results"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_exam_result_corrections_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_exam_result_corrections_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_result_corrections")),
    )
    with op.batch_alter_table("exam_result_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_result_corrections_result_id"), ["result_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("exam_result_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_result_corrections_result_id"))
    op.drop_table("exam_result_corrections")
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.alter_column("course_id", existing_type=sa.Integer(), nullable=True)
