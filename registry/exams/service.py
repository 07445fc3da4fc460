"""Exam sessions of a centre and the results their examiner records (SPEC §4).

`passed` is never stored or typed: it is the score compared with the session's pass mark.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.models import User
from registry.clock import today as local_today
from registry.database import utcnow
from registry.enums import Role
from registry.exams.models import ExamResult, ExamSession
from registry.extensions import db
from registry.permissions import can_record_exam_results


class ExamError(ValueError):
    """A change to exam records that the registry refuses; the message says why."""


def examiner_candidates(centre):
    """Who may be named examiner of the centre's sessions: its active staff."""
    return db.session.scalars(
        sa.select(User)
        .where(User.centre_id == centre.id, User.role == Role.CENTRE_STAFF, User.active)
        .order_by(User.full_name)
    ).all()


def save_session(centre, exam_session, *, course, held_on, examiner, pass_mark, max_score, actor):
    """Create (exam_session is None) or update an exam session of `centre`."""
    creating = exam_session is None
    if course is not None and course.centre_id != centre.id:
        raise ExamError(_l("The course belongs to another centre."))
    if examiner is None or examiner not in examiner_candidates(centre):
        raise ExamError(_l("The examiner must be an active staff member of this centre."))
    if max_score is None or max_score <= 0:
        raise ExamError(_l("The maximum score must be above zero."))
    if pass_mark is None or not 0 <= pass_mark <= max_score:
        raise ExamError(_l("The pass mark must be between 0 and the maximum score."))
    if not creating and has_results(exam_session):
        raise ExamError(_l("Results are recorded for this session: it can no longer be changed."))
    if creating:
        exam_session = ExamSession(centre=centre, created_by_id=actor.id)
        db.session.add(exam_session)
    exam_session.course = course
    exam_session.held_on = held_on
    exam_session.examiner = examiner
    exam_session.pass_mark = pass_mark
    exam_session.max_score = max_score
    db.session.flush()
    record_event(
        "exam_session.created" if creating else "exam_session.updated",
        actor=actor,
        object_type="exam_session",
        object_id=exam_session.id,
        details={
            "centre": centre.code,
            "course": course.code if course else None,
            "held_on": held_on.isoformat(),
            "examiner_id": examiner.id,
            "pass_mark": pass_mark,
            "max_score": max_score,
        },
    )
    return exam_session


def has_results(exam_session):
    return (
        db.session.scalar(
            sa.select(ExamResult.id).where(ExamResult.session_id == exam_session.id).limit(1)
        )
        is not None
    )


def recording_problem(exam_session, actor, today=None):
    """Why `actor` may not record results of this session now, or None."""
    if not can_record_exam_results(actor, exam_session):
        return _l("Only the session's examiner records its results.")
    if exam_session.held_on > (today or local_today()):
        return _l(
            "Results can be recorded from the day of the exam (%(date)s).",
            date=exam_session.held_on.isoformat(),
        )
    return None


def score_problem(exam_session, score):
    if score is None:
        return _l("Give the score.")
    if not 0 <= score <= exam_session.max_score:
        return _l("The score must be between 0 and %(max)s.", max=exam_session.max_score)
    return None


def record_result(exam_session, expert, score, *, actor, today=None):
    """Record (or correct) `expert`'s score in the session; returns the result."""
    problem = recording_problem(exam_session, actor, today) or score_problem(exam_session, score)
    if problem:
        raise ExamError(problem)
    result = db.session.scalar(
        sa.select(ExamResult).where(
            ExamResult.session_id == exam_session.id, ExamResult.expert_id == expert.id
        )
    )
    before = None
    if result is None:
        result = ExamResult(session=exam_session, expert=expert)
        db.session.add(result)
    else:
        before = result.score
    result.score = score
    result.recorded_by_id = actor.id
    result.recorded_at = utcnow()
    db.session.flush()
    record_event(
        "exam_result.recorded" if before is None else "exam_result.corrected",
        actor=actor,
        object_type="exam_result",
        object_id=result.id,
        details={
            "session_id": exam_session.id,
            "centre": exam_session.centre.code,
            "expert_id": expert.id,
            "score": score,
            "before": before,
            "passed": result.passed,
        },
    )
    return result
