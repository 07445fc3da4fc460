"""Training centres, the course catalogue (topics), courses and enrolments."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import CourseLevel
from registry.extensions import db
from registry.text import clean_text


class TrainingCentre(db.Model):
    __tablename__ = "training_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    province: Mapped[str] = mapped_column(sa.String(100))
    approved_until: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("User", back_populates="centre")
    courses = relationship("Course", back_populates="centre")

    @validates("name", "province")
    def _clean(self, _key, value):
        return clean_text(value)

    @validates("code")
    def _clean_code(self, _key, value):
        value = clean_text(value)
        return value.upper() if value else value

    def is_approved_on(self, day):
        """Active, and its approval has not lapsed on `day`."""
        return self.active and (self.approved_until is None or self.approved_until >= day)

    def __repr__(self):
        return f"<TrainingCentre {self.code}>"


class Topic(db.Model):
    """An entry of the course catalogue, with the stable code used by imports and the API."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    leads_to_trained: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)
    # Retired: kept for the courses that used it, offered for new courses no more.
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def name(self, locale):
        return self.name_en if locale == "en" else self.name_vi


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        sa.UniqueConstraint("centre_id", "code"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("hours > 0", name="hours_positive"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("training_centres.id"), index=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[CourseLevel] = mapped_column(enum_column_type(CourseLevel, "level"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    hours: Mapped[int]
    capacity: Mapped[int]
    trainers: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre = relationship("TrainingCentre", back_populates="courses")
    topic = relationship("Topic")
    enrolments = relationship("Enrolment", back_populates="course")

    @validates("code", "title", "trainers")
    def _clean(self, _key, value):
        return clean_text(value)


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "expert_id"),
        sa.CheckConstraint("attended_hours >= 0", name="attended_not_negative"),
        sa.CheckConstraint(
            "(completed AND completed_on IS NOT NULL AND completion_recorded_by_id IS NOT NULL)"
            " OR (NOT completed AND completed_on IS NULL)",
            name="completion_dated",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    attended_hours: Mapped[int] = mapped_column(default=0)
    completed: Mapped[bool] = mapped_column(default=False)
    completed_on: Mapped[date | None]
    completion_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course = relationship("Course", back_populates="enrolments")
    expert = relationship("Expert", back_populates="enrolments")
    completion_recorded_by = relationship("User")
