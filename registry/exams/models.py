"""Exam sessions held by a centre and the results recorded by their examiner."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import RequestStatus
from registry.extensions import db


class ExamSession(db.Model):
    __tablename__ = "exam_sessions"
    __table_args__ = (
        sa.CheckConstraint("max_score > 0", name="max_score_positive"),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= max_score", name="pass_mark_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("training_centres.id"), index=True)
    # A session always belongs to a course of its centre: only its roster is examined.
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    held_on: Mapped[date]
    examiner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    pass_mark: Mapped[int]
    max_score: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre = relationship("TrainingCentre")
    course = relationship("Course")
    examiner = relationship("User", foreign_keys=[examiner_id])
    results = relationship("ExamResult", back_populates="session")


class ExamResult(db.Model):
    __tablename__ = "exam_results"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "expert_id"),
        sa.CheckConstraint("score >= 0", name="score_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_sessions.id"), index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    score: Mapped[int]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("ExamSession", back_populates="results")
    expert = relationship("Expert", back_populates="exam_results")
    recorded_by = relationship("User")

    @hybrid_property
    def passed(self):
        """Derived from the session's pass mark; never typed in."""
        return self.score >= self.session.pass_mark

    @passed.inplace.expression
    @classmethod
    def _passed_expression(cls):
        return (
            sa.select(ExamSession.pass_mark)
            .where(ExamSession.id == cls.session_id)
            .scalar_subquery()
            <= cls.score
        )


class ExamResultCorrection(db.Model):
    """A change of a frozen result (one a decision relied on): asked by the examiner with a
    reason, applied only when an officer approves it (registry/exams/corrections.py)."""

    __tablename__ = "exam_result_corrections"
    __table_args__ = (
        sa.CheckConstraint("new_score >= 0", name="new_score_not_negative"),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)", name="decided_when_closed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_results.id"), index=True)
    old_score: Mapped[int]
    new_score: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column_type(RequestStatus, "status"), default=RequestStatus.PENDING
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.Text)

    result = relationship("ExamResult")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
