"""Corrections of frozen results (issue 15: results that hold).

A result a certification decision relied on is frozen (registry/exams/service.py): neither
the session page nor an import changes it. Its examiner asks for a correction with a
reason; nothing changes until an officer reviews it. Approved, the score changes (the
result's original recording stays in the audit log); refused, nothing changes and the
officer's reason is kept. Every correction, whatever its state, shows on the decision's
record and on the auditor's anomaly page.

Separation of duties: the reviewer is an officer who neither asked for the correction nor
examined the session, nor took a decision that relied on the result (they would be judging
the evidence of their own decision).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.models import User
from registry.enums import RequestStatus, Role
from registry.exams.models import ExamResult, ExamResultCorrection
from registry.exams.service import ExamError, decisions_relying_on, score_problem
from registry.experts.applications import close_request
from registry.experts.lifecycle import Conflict
from registry.extensions import db
from registry.mail.outbox import queue_messages
from registry.permissions import can_decide_certification, can_record_exam_results
from registry.text import clean_text

REASON_MAX = 2000


def _reason(value, missing=None):
    """The cleaned text; blank, it is refused with the message `missing` if one is given."""
    value = clean_text(value)
    if not value and missing:
        raise ExamError(missing)
    if value and len(value) > REASON_MAX:
        raise ExamError(_l("At most %(max)s characters.", max=REASON_MAX))
    return value


def pending_correction(result):
    return db.session.scalar(
        sa.select(ExamResultCorrection).where(
            ExamResultCorrection.result_id == result.id,
            ExamResultCorrection.status == RequestStatus.PENDING,
        )
    )


def request_correction(result, new_score, reason, *, actor):
    """The examiner asks to change a frozen result; pending until an officer reviews it."""
    exam_session = result.session
    if not can_record_exam_results(actor, exam_session):
        raise ExamError(_l("Only the session's examiner asks for a correction of its results."))
    reason = _reason(reason, _l("Give the reason for the correction."))
    problem = score_problem(exam_session, new_score)
    if problem:
        raise ExamError(problem)
    # One request at a time per result: the second waits here and then sees the first.
    db.session.execute(sa.select(ExamResult.id).where(ExamResult.id == result.id).with_for_update())
    db.session.refresh(result)
    relied = decisions_relying_on([result]).get(result.id)
    if not relied:
        raise ExamError(
            _l(
                "No decision relied on this result: record the new score on the session "
                "page, no review is needed."
            )
        )
    if new_score == result.score:
        raise ExamError(_l("The new score is the score already recorded."))
    if pending_correction(result) is not None:
        raise ExamError(_l("A correction of this result already waits for an officer's review."))
    correction = ExamResultCorrection(
        result_id=result.id,
        old_score=result.score,
        new_score=new_score,
        reason=reason,
        requested_by_id=actor.id,
    )
    db.session.add(correction)
    db.session.flush()
    _notify_officers(correction, exclude={change.actor_id for change in relied})
    record_event(
        "exam_result.correction_requested",
        actor=actor,
        object_type="exam_result",
        object_id=result.id,
        details={
            "correction_id": correction.id,
            "session_id": exam_session.id,
            "centre": exam_session.centre.code,
            "expert_id": result.expert_id,
            "score": result.score,
            "new_score": new_score,
            "reason": reason,
        },
    )
    return correction


def _notify_officers(correction, *, exclude):
    """Mail every active officer who may review it (not those whose decision relied on it)."""
    result = correction.result
    officers = db.session.scalars(
        sa.select(User).where(User.role == Role.OFFICER, User.active.is_(True))
    ).all()
    context = {
        "examiner": correction.requested_by.full_name,
        "centre": result.session.centre.code,
        "held_on": result.session.held_on.strftime("%d/%m/%Y"),
        "expert": result.expert.full_name,
        "old_score": correction.old_score,
        "new_score": correction.new_score,
        "reason": correction.reason,
        "correction_id": correction.id,
    }
    queue_messages(
        {
            "key": f"result_correction:{correction.id}:user:{officer.id}",
            "kind": "result_correction",
            "to_address": officer.email,
            "recipient": officer,
            **context,
        }
        for officer in officers
        if officer.id not in exclude
    )


def review_problem(correction, actor):
    """Why `actor` may not review this correction, or None."""
    if not can_decide_certification(actor):
        return _l("Only a certification officer reviews a correction of a result.")
    result = correction.result
    if actor.id in (correction.requested_by_id, result.session.examiner_id):
        return _l(
            "Separation of duties: you asked for this correction or examined the session; "
            "another officer reviews it."
        )
    relied = decisions_relying_on([result]).get(result.id, [])
    if any(change.actor_id == actor.id for change in relied):
        return _l(
            "Separation of duties: you took a decision that relied on this result; another "
            "officer reviews its correction."
        )
    return None


def review_correction(correction, *, approve, note, actor):
    """Approve (the score changes) or refuse (nothing changes, the reason is kept)."""
    problem = review_problem(correction, actor)
    if problem:
        raise ExamError(problem)
    note = _reason(note, None if approve else _l("Give the reason for refusing the correction."))
    close_request(ExamResultCorrection, correction, approve=approve, actor=actor)
    correction.review_note = note
    result = correction.result
    before = result.score
    if approve:
        table = ExamResult.__table__
        changed = db.session.execute(
            sa.update(table)
            .where(table.c.id == result.id, table.c.score == correction.old_score)
            .values(score=correction.new_score)
        ).rowcount
        if changed != 1:
            raise Conflict(_l("The result changed since the correction was asked. Reload."))
        db.session.refresh(result)
    db.session.flush()
    record_event(
        "exam_result.correction_approved" if approve else "exam_result.correction_refused",
        actor=actor,
        object_type="exam_result",
        object_id=result.id,
        details={
            "correction_id": correction.id,
            "session_id": result.session_id,
            "centre": result.session.centre.code,
            "expert_id": result.expert_id,
            "before": before,
            "score": result.score,
            "passed": result.passed,
            "reason": correction.reason,
            "note": note,
        },
    )
    return correction


def corrections_of(results):
    """{result id: [corrections, oldest first]} of these results."""
    ids = [result.id for result in results]
    found = {}
    if not ids:
        return found
    for correction in db.session.scalars(
        sa.select(ExamResultCorrection)
        .where(ExamResultCorrection.result_id.in_(ids))
        .order_by(ExamResultCorrection.id)
    ):
        found.setdefault(correction.result_id, []).append(correction)
    return found


def corrections_by_decision(expert):
    """{status change id: [corrections of a result its evidence names]}: what the decision's
    record shows beside the decision."""
    results = db.session.scalars(
        sa.select(ExamResult).where(ExamResult.expert_id == expert.id)
    ).all()
    corrections = corrections_of(results)
    if not corrections:
        return {}
    shown = {}
    for result_id, changes in decisions_relying_on(
        [r for r in results if r.id in corrections]
    ).items():
        for change in changes:
            shown.setdefault(change.id, []).extend(corrections[result_id])
    return shown
