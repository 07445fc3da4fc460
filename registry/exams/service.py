"""Exam sessions of a centre and the results their examiner records (SPEC §4).

`passed` is never stored or typed: it is the score compared with the session's pass mark.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.models import User
from registry.centres.models import Enrolment
from registry.clock import today as local_today
from registry.database import utcnow
from registry.enums import Role
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import Expert, StatusChange
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
    if course is None:
        raise ExamError(
            _l("Choose the course whose roster sits this exam: every session belongs to one.")
        )
    if course.centre_id != centre.id:
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
            "course": course.code,
            "held_on": held_on.isoformat(),
            "examiner_id": examiner.id,
            "pass_mark": pass_mark,
            "max_score": max_score,
        },
    )
    return exam_session


def session_roster(exam_session):
    """(email, full name, score or None) of everyone to mark: the course's roster and anyone
    already scored, by name; what pre-fills the results template."""
    scores = dict(
        db.session.execute(
            sa.select(ExamResult.expert_id, ExamResult.score).where(
                ExamResult.session_id == exam_session.id
            )
        ).all()
    )
    people = set(scores)
    people.update(
        db.session.scalars(
            sa.select(Enrolment.expert_id).where(Enrolment.course_id == exam_session.course_id)
        )
    )
    if not people:
        return []
    experts = db.session.execute(
        sa.select(Expert.id, Expert.email, Expert.full_name)
        .where(Expert.id.in_(people))
        .order_by(Expert.name_key, Expert.id)
    ).all()
    return [(email, name, scores.get(expert_id)) for expert_id, email, name in experts]


def has_results(exam_session):
    return db.session.scalar(sa.select(sa.exists().where(ExamResult.session_id == exam_session.id)))


def recording_problem(exam_session, actor):
    """Why `actor` may not record results of this session now, or None."""
    if not can_record_exam_results(actor, exam_session):
        return _l("Only the session's examiner records its results.")
    if exam_session.held_on > local_today():
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


def enrolled_ids(exam_session, expert_ids):
    """Which of `expert_ids` are enrolled in the session's course."""
    if not expert_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Enrolment.expert_id).where(
                Enrolment.course_id == exam_session.course_id,
                Enrolment.expert_id.in_(list(expert_ids)),
            )
        )
    )


def roster_problem(exam_session, expert, enrolled):
    """Why `expert` cannot be examined in this session (not on its course's roster), or None."""
    if expert.id not in enrolled:
        return _l(
            "%(name)s is not enrolled in the session's course %(course)s: a result is "
            "recorded only for a person on its roster.",
            name=expert.full_name,
            course=exam_session.course.code,
        )
    return None


def mentions(evidence, result_id):
    """Whether a status change's evidence names this exam result (at any depth)."""
    if isinstance(evidence, dict):
        if evidence.get("exam_result_id") == result_id:
            return True
        return any(mentions(value, result_id) for value in evidence.values())
    if isinstance(evidence, list):
        return any(mentions(value, result_id) for value in evidence)
    return False


def decisions_relying_on(results):
    """{result id: [status changes whose evidence names it]} for these results, in one query."""
    results = list(results)
    if not results:
        return {}
    changes = db.session.scalars(
        sa.select(StatusChange)
        .where(StatusChange.expert_id.in_({result.expert_id for result in results}))
        .order_by(StatusChange.id)
    ).all()
    return {
        result.id: relied
        for result in results
        if (
            relied := [
                change
                for change in changes
                if change.expert_id == result.expert_id and mentions(change.evidence, result.id)
            ]
        )
    }


FROZEN = _l(
    "This result was relied on by a certification decision and is frozen: it is not changed "
    "by recording or importing a new score. Ask for a correction with a reason on the "
    'session page ("Request a correction"); an officer reviews it.'
)


def record_result(exam_session, expert, score, *, actor):
    """Record (or correct) `expert`'s score in the session; returns the result.

    Only a person enrolled in the session's course is examined; a result a decision relied
    on is frozen (ExamError).
    """
    problem = (
        recording_problem(exam_session, actor)
        or score_problem(exam_session, score)
        or roster_problem(exam_session, expert, enrolled_ids(exam_session, {expert.id}))
    )
    if problem:
        raise ExamError(problem)
    result = db.session.scalar(
        sa.select(ExamResult).where(
            ExamResult.session_id == exam_session.id, ExamResult.expert_id == expert.id
        )
    )
    # Frozen when a status change of the expert relied on it (its evidence names it).
    if result is not None and result.score != score and decisions_relying_on([result]):
        raise ExamError(FROZEN)
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
