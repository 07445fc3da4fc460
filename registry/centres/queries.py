"""What a centre's pages show: course lists, roster search, the overview's figures."""

from datetime import date

import sqlalchemy as sa

from registry.centres.models import Course, Enrolment, Topic
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import Expert
from registry.extensions import db
from registry.text import clean_email, search_key

COURSE_STATES = ("upcoming", "running", "finished")


def course_state(course, today):
    if today < course.starts_on:
        return "upcoming"
    return "running" if today <= course.ends_on else "finished"


def centre_courses(centre, *, today, q=None, topic_id=None, level=None, state=None, year=None):
    """The centre's courses with their enrolment counts, newest first, filtered.

    The text search folds accents ("nang suat" finds "Năng suất"); it runs over the
    centre's filtered list in Python, which stays small (a centre runs tens of courses
    a year), rather than needing a folded copy of every title in the database.
    """
    query = (
        sa.select(Course, sa.func.count(Enrolment.id))
        .outerjoin(Enrolment, Enrolment.course_id == Course.id)
        .where(Course.centre_id == centre.id)
        .group_by(Course.id)
        .order_by(Course.starts_on.desc(), Course.code)
    )
    if topic_id:
        query = query.where(Course.topic_id == topic_id)
    if level:
        query = query.where(Course.level == level)
    if year:
        query = query.where(
            Course.starts_on <= date(year, 12, 31), Course.ends_on >= date(year, 1, 1)
        )
    if state == "upcoming":
        query = query.where(Course.starts_on > today)
    elif state == "running":
        query = query.where(Course.starts_on <= today, Course.ends_on >= today)
    elif state == "finished":
        query = query.where(Course.ends_on < today)
    rows = db.session.execute(query).all()
    key = search_key(q or "")
    if key:
        rows = [
            row
            for row in rows
            if key in search_key(f"{row[0].code} {row[0].title} {row[0].trainers}")
        ]
    return rows


def person_to_enrol(course, email, date_of_birth):
    """The one expert whose email and date of birth both match exactly, if not yet on the
    course's roster; None otherwise. A search that reveals nobody who does not match."""
    email = clean_email(email)
    if not email or date_of_birth is None:
        return None
    enrolled = sa.select(Enrolment.expert_id).where(Enrolment.course_id == course.id)
    return db.session.scalar(
        sa.select(Expert).where(
            Expert.email == email,
            Expert.date_of_birth == date_of_birth,
            Expert.id.not_in(enrolled),
        )
    )


def roster(course):
    return db.session.scalars(
        sa.select(Enrolment)
        .join(Expert, Expert.id == Enrolment.expert_id)
        .where(Enrolment.course_id == course.id)
        .order_by(Expert.name_key, Expert.id)
    ).all()


def centre_figures(centre, today):
    """Courses running today, people trained this year, and the pass rate of its exams."""
    year_start = date(today.year, 1, 1)
    running = db.session.scalars(
        sa.select(Course)
        .where(Course.centre_id == centre.id, Course.starts_on <= today, Course.ends_on >= today)
        .order_by(Course.ends_on, Course.code)
    ).all()
    trained, expert_programme = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(Enrolment.expert_id)),
            sa.func.count(sa.distinct(sa.case((Topic.leads_to_trained, Enrolment.expert_id)))),
        )
        .join(Course, Course.id == Enrolment.course_id)
        .join(Topic, Topic.id == Course.topic_id)
        .where(
            Course.centre_id == centre.id,
            Enrolment.completed,
            Enrolment.completed_on >= year_start,
            Enrolment.completed_on <= today,
        )
    ).one()
    passed = sa.case((ExamResult.score >= ExamSession.pass_mark, 1), else_=0)
    this_year = ExamSession.held_on >= year_start
    results, passes, results_year, passes_year = db.session.execute(
        sa.select(
            sa.func.count(ExamResult.id),
            sa.func.coalesce(sa.func.sum(passed), 0),
            sa.func.count(ExamResult.id).filter(this_year),
            sa.func.coalesce(sa.func.sum(passed).filter(this_year), 0),
        )
        .join(ExamSession, ExamSession.id == ExamResult.session_id)
        .where(ExamSession.centre_id == centre.id)
    ).one()
    return {
        "running": running,
        "trained_this_year": trained,
        "expert_programme_this_year": expert_programme,
        "results": results,
        "passes": passes,
        "pass_rate": round(100 * passes / results) if results else None,
        "results_this_year": results_year,
        "passes_this_year": passes_year,
        "pass_rate_this_year": round(100 * passes_year / results_year) if results_year else None,
    }
