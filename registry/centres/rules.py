"""The rules of rosters, each returning the message that explains a refusal (or None).

Shared by the one-at-a-time service and the bulk import, which reports them by row.
"""

import math
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.enums import ExpertStatus
from registry.experts.models import StatusChange
from registry.extensions import db

# Attendance needed for a completion of the expert programme to lead to `trained`.
TRAINED_ATTENDANCE = Fraction(80, 100)

ALREADY_ENROLLED = _l("This person is already enrolled in this course.")


def course_full(course):
    return _l(
        "The course %(code)s is full (%(capacity)s places).",
        code=course.code,
        capacity=course.capacity,
    )


def completion_fixed(enrolment):
    return _l(
        "The completion was recorded on %(date)s and can no longer be changed.",
        date=enrolment.completed_on.isoformat(),
    )


def attendance_problem(course, attended_hours):
    if attended_hours is None or attended_hours < 0:
        return _l("Attended hours cannot be negative.")
    if attended_hours > course.hours:
        return _l("Attended hours cannot exceed the course's %(hours)s hours.", hours=course.hours)
    return None


def completion_problem(course, completed, completed_on, today):
    """Completion needs a date, not before the course ends and not in the future."""
    if not completed:
        if completed_on is not None:
            return _l("A completion date is given but the course is not marked completed.")
        return None
    if completed_on is None:
        return _l("Give the completion date.")
    if completed_on < course.ends_on:
        return _l(
            "Completion cannot be recorded before the course ends (%(date)s).",
            date=course.ends_on.isoformat(),
        )
    if completed_on > today:
        return _l("The completion date cannot be in the future.")
    return None


def programme_completion_problem(course, attended_hours, completed_on):
    """A completion of the expert programme that could never lead to `trained` is refused.

    Recording it anyway would leave the applicant stranded behind a completion nobody may
    change; the message states the rule so staff can record the hours alone instead.
    """
    if not course.topic.leads_to_trained:
        return None
    if not attendance_suffices(course, attended_hours):
        needed = math.ceil(TRAINED_ATTENDANCE * course.hours)
        return _l(
            "Completing the expert programme needs at least %(needed)s of the course's"
            " %(hours)s hours (80%%); %(attended)s were attended. Save the hours without"
            " marking the course completed.",
            needed=needed,
            hours=course.hours,
            attended=attended_hours,
        )
    if not course.centre.is_approved_on(completed_on):
        return _l(
            "The centre was not approved on %(date)s: a completion of the expert programme"
            " cannot be recorded for that day.",
            date=completed_on.isoformat(),
        )
    return None


def completion_moved_someone(enrolment):
    """True once this completion moved its expert to `trained`: from then on it is fixed."""
    changes = db.session.scalars(
        sa.select(StatusChange.evidence).where(
            StatusChange.expert_id == enrolment.expert_id,
            StatusChange.to_status == ExpertStatus.TRAINED,
        )
    )
    return any((evidence or {}).get("enrolment_id") == enrolment.id for evidence in changes)


def attendance_suffices(course, attended_hours):
    return Fraction(attended_hours) >= TRAINED_ATTENDANCE * course.hours


def completion_leads_to_trained(enrolment):
    """A completion of the expert programme, at a centre approved that day, with enough hours."""
    course = enrolment.course
    return (
        enrolment.completed
        and course.topic.leads_to_trained
        and course.centre.is_approved_on(enrolment.completed_on)
        and attendance_suffices(course, enrolment.attended_hours)
    )
