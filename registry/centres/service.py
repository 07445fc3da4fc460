"""Courses, rosters and completions of a training centre (SPEC §4).

The rules live here and in `rules.py`, shared by the web pages, the bulk import and,
later, the JSON API. Functions change state, write the audit event and flush; the caller
commits once.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from registry.audit.service import record_event
from registry.centres import rules
from registry.centres.models import Course, Enrolment
from registry.clock import today as local_today
from registry.enums import CourseLevel, ExpertStatus
from registry.experts.lifecycle import TransitionRefused, transition, transition_many
from registry.extensions import db
from registry.text import clean_text


class CentreError(ValueError):
    """A change to a centre's records that the registry refuses; the message says why."""


def save_course(
    centre,
    course,
    *,
    code,
    title,
    topic,
    level,
    starts_on,
    ends_on,
    hours,
    capacity,
    trainers,
    actor,
):
    """Create (course is None) or update a course of `centre`."""
    creating = course is None
    code = (clean_text(code) or "").upper()
    if not code or not clean_text(title):
        raise CentreError(_l("A course needs a code and a title."))
    if ends_on < starts_on:
        raise CentreError(_l("The course cannot end before it starts."))
    if hours is None or hours <= 0:
        raise CentreError(_l("The course must have at least one hour."))
    if capacity is None or capacity <= 0:
        raise CentreError(_l("The course must have at least one place."))
    if topic.retired and (creating or course.topic_id != topic.id):
        raise CentreError(_l("The topic %(code)s is retired: choose another one.", code=topic.code))
    clash = db.session.scalar(
        sa.select(Course.id).where(Course.centre_id == centre.id, Course.code == code)
    )
    if clash and (creating or clash != course.id):
        raise CentreError(
            _l("Another course of this centre already has the code %(code)s.", code=code)
        )
    if not creating:
        _check_course_change(course, topic, starts_on, ends_on, hours, capacity)
        before = _course_details(course)
    else:
        course = Course(centre=centre, created_by_id=actor.id)
        db.session.add(course)
    course.code = code
    course.title = title
    course.topic = topic
    course.level = CourseLevel(level)
    course.starts_on = starts_on
    course.ends_on = ends_on
    course.hours = hours
    course.capacity = capacity
    course.trainers = trainers or ""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        # Someone saved the same code in between: the unique constraint has the last word.
        raise CentreError(
            _l("Another course of this centre already has the code %(code)s.", code=code)
        ) from exc
    details = _course_details(course)
    if not creating:
        details = {"before": before, "after": details}
    record_event(
        "course.created" if creating else "course.updated",
        actor=actor,
        object_type="course",
        object_id=course.id,
        details=details,
    )
    return course


def _check_course_change(course, topic, starts_on, ends_on, hours, capacity):
    enrolled, completed, most_hours = db.session.execute(
        sa.select(
            sa.func.count(Enrolment.id),
            sa.func.count(Enrolment.id).filter(Enrolment.completed),
            sa.func.coalesce(sa.func.max(Enrolment.attended_hours), 0),
        ).where(Enrolment.course_id == course.id)
    ).one()
    if capacity < enrolled:
        raise CentreError(
            _l(
                "%(count)s people are already enrolled: the capacity cannot be lower.",
                count=enrolled,
            )
        )
    if hours < most_hours:
        raise CentreError(
            _l(
                "Someone already attended %(hours)s hours: the course cannot be shorter.",
                hours=most_hours,
            )
        )
    fixed = (course.topic_id, course.starts_on, course.ends_on, course.hours)
    if completed and (topic.id, starts_on, ends_on, hours) != fixed:
        raise CentreError(
            _l("Completions are recorded for this course: its topic, dates and hours are fixed.")
        )


def _course_details(course):
    return {
        "centre": course.centre.code,
        "code": course.code,
        "title": course.title,
        "topic": course.topic.code,
        "level": course.level.value,
        "starts_on": course.starts_on.isoformat(),
        "ends_on": course.ends_on.isoformat(),
        "hours": course.hours,
        "capacity": course.capacity,
        "trainers": course.trainers,
    }


def enrol(course, expert, *, actor):
    """Put `expert` on the roster of `course`, if a place is free."""
    # Lock the course so that two enrolments at once cannot both take the last place.
    db.session.execute(sa.select(Course.id).where(Course.id == course.id).with_for_update())
    if db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.course_id == course.id, Enrolment.expert_id == expert.id
        )
    ):
        raise CentreError(rules.ALREADY_ENROLLED)
    enrolled = db.session.scalar(
        sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == course.id)
    )
    if enrolled >= course.capacity:
        raise CentreError(rules.course_full(course))
    enrolment = Enrolment(course=course, expert=expert, attended_hours=0, completed=False)
    db.session.add(enrolment)
    db.session.flush()
    record_event(
        "enrolment.created",
        actor=actor,
        object_type="enrolment",
        object_id=enrolment.id,
        details={"course": course.code, "centre": course.centre.code, "expert_id": expert.id},
    )
    return enrolment


def record_attendance(enrolment, *, attended_hours, completed, completed_on, actor):
    """Record hours and, optionally, completion; True when the expert moved to `trained`."""
    course = enrolment.course
    actor_id = actor.id
    if enrolment.completed and rules.completion_moved_someone(enrolment):
        raise CentreError(rules.completion_fixed(enrolment))
    problem = (
        rules.attendance_problem(course, attended_hours)
        or rules.completion_problem(course, completed, completed_on, local_today())
        or (completed and rules.programme_completion_problem(course, attended_hours, completed_on))
    )
    if problem:
        raise CentreError(problem)
    before = {
        "attended_hours": enrolment.attended_hours,
        "completed": enrolment.completed,
        "completed_on": enrolment.completed_on.isoformat() if enrolment.completed_on else None,
    }
    enrolment.attended_hours = attended_hours
    if completed:
        enrolment.completion_recorded_by_id = actor_id
        enrolment.completed_on = completed_on
        enrolment.completed = True
    else:
        # A completion that moved nobody may be withdrawn: it was recorded by mistake.
        enrolment.completed_on = None
        enrolment.completed = False
    db.session.flush()
    record_event(
        "enrolment.updated",
        actor=actor,
        object_type="enrolment",
        object_id=enrolment.id,
        details={
            "course": course.code,
            "centre": course.centre.code,
            "expert_id": enrolment.expert_id,
            "before": before,
            "after": {
                "attended_hours": attended_hours,
                "completed": bool(completed),
                "completed_on": completed_on.isoformat() if completed else None,
            },
        },
    )
    if completed and rules.completion_leads_to_trained(enrolment):
        return mark_trained(enrolment.expert, enrolment, actor)
    return False


def remove_enrolment(enrolment, *, actor):
    """Take someone off a roster; a completion that moved them to `trained` stays."""
    if enrolment.completed and rules.completion_moved_someone(enrolment):
        raise CentreError(rules.completion_fixed(enrolment))
    details = {
        "course": enrolment.course.code,
        "centre": enrolment.course.centre.code,
        "expert_id": enrolment.expert_id,
        "attended_hours": enrolment.attended_hours,
    }
    enrolment_id = enrolment.id
    db.session.delete(enrolment)
    db.session.flush()
    record_event(
        "enrolment.removed",
        actor=actor,
        object_type="enrolment",
        object_id=enrolment_id,
        details=details,
    )


def mark_trained(expert, enrolment, actor):
    """Move `expert` from `applied` to `trained` for completing `enrolment`.

    Returns True if the expert moved, False if the lifecycle refused (not `applied`, or a
    guard unmet): the completion itself is recorded by the caller either way.
    """
    if expert.status != ExpertStatus.APPLIED:
        return False
    reason, evidence = _training_record(enrolment)
    try:
        transition(expert, ExpertStatus.TRAINED, actor=actor, reason=reason, evidence=evidence)
    except TransitionRefused:
        return False
    return True


def mark_many_trained(pairs, actor):
    """mark_trained for many (expert, enrolment) pairs at once (an import's completions),
    written in bulk by the lifecycle; returns how many experts moved."""
    items = [
        (expert, *_training_record(enrolment))
        for expert, enrolment in pairs
        if expert.status == ExpertStatus.APPLIED
    ]
    moved, _refused = transition_many(items, ExpertStatus.TRAINED, actor=actor)
    return len(moved)


def _training_record(enrolment):
    """(reason, evidence) of the move to trained for completing `enrolment`."""
    course = enrolment.course
    return f"Completed {course.code}", {
        "enrolment_id": enrolment.id,
        "centre": course.centre.code,
        "course": course.code,
        "completed_on": enrolment.completed_on.isoformat(),
        "attended_hours": enrolment.attended_hours,
        "course_hours": course.hours,
    }
