"""The rules of rosters, each returning the message that explains a refusal (or None).

Shared by the one-at-a-time service and the bulk import, which reports them by row.
"""

from fractions import Fraction

from flask_babel import lazy_gettext as _l

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
