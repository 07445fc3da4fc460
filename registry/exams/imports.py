"""Import of an exam session's results: one row per expert (by email) with a score.

Upsert by (session, expert): importing the same file twice changes nothing; a different
score corrects the one recorded, unless a decision relied on it (frozen: the row is refused
and points to the correction request, registry/exams/corrections.py). Written with two bulk statements, whatever the size.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.centres.imports import (
    EMAIL,
    NAME,
    Column,
    ImportOutcome,
    check_name,
    experts_by_email,
    read_email,
    read_int,
    read_row,
    read_text,
)
from registry.database import utcnow
from registry.exams.models import ExamResult, ExamSession
from registry.exams.service import (
    FROZEN,
    decisions_relying_on,
    enrolled_ids,
    recording_problem,
    roster_problem,
    score_problem,
)
from registry.extensions import db

SCORE = Column(
    "score",
    "Điểm",
    "Score",
    _l("Score"),
    required=True,
    hint="Số nguyên từ 0 đến điểm tối đa của kỳ thi; kết quả đạt/không đạt do hệ thống tính. "
    "(Whole number from 0 to the session's maximum; pass or fail is derived.)",
)
COLUMNS = (EMAIL, NAME, SCORE)


def _read(outcome, exam_session, row):
    readers = ((EMAIL, read_email), (NAME, read_text), (SCORE, read_int))
    values, ok = read_row(outcome, row, readers, (EMAIL,))
    if "score" in values:
        problem = score_problem(exam_session, values["score"])
        if problem:
            outcome.error(row.number, SCORE, problem)
            ok = False
    return values if ok else None


def import_results(exam_session, rows, *, actor, source=None):
    """Validate every row, then record all the scores; all or nothing."""
    outcome = ImportOutcome(rows=len(rows))
    problem = recording_problem(exam_session, actor)
    if problem:
        outcome.error(None, None, problem)
        return outcome
    # One import of a session at a time: the second waits and then finds the first's rows.
    db.session.execute(
        sa.select(ExamSession.id).where(ExamSession.id == exam_session.id).with_for_update()
    )
    read = [(row, _read(outcome, exam_session, row)) for row in rows]
    experts = experts_by_email(values["email"] for _row, values in read if values)
    existing = {
        row.expert_id: row
        for row in db.session.execute(
            sa.select(ExamResult.id, ExamResult.expert_id, ExamResult.score).where(
                ExamResult.session_id == exam_session.id
            )
        )
    }
    changed = []
    for _row, values in read:
        expert = experts.get(values["email"]) if values else None
        known = existing.get(expert.id) if expert is not None else None
        if known is not None and known.score != values["score"]:
            changed.append(known)
    frozen = decisions_relying_on(changed)  # never a silent change of what a decision used
    enrolled = enrolled_ids(exam_session, {expert.id for expert in experts.values()})
    seen = {}
    inserts, updates = [], []
    now = utcnow()
    for row, values in read:
        if values is None:
            continue
        expert = experts.get(values["email"])
        if expert is None:
            outcome.error(row.number, EMAIL, _l("No expert in the registry has this email."))
            continue
        if not check_name(outcome, row, NAME, values["full_name"], expert):
            continue
        if expert.id in seen:
            outcome.error(row.number, EMAIL, _l("Same person as row %(row)s.", row=seen[expert.id]))
            continue
        seen[expert.id] = row.number
        problem = roster_problem(exam_session, expert, enrolled)
        if problem:
            outcome.error(row.number, EMAIL, problem)
            continue
        recorded = {"score": values["score"], "recorded_by_id": actor.id, "recorded_at": now}
        if expert.id not in existing:
            inserts.append({"session_id": exam_session.id, "expert_id": expert.id, **recorded})
        elif existing[expert.id].score != values["score"]:
            if existing[expert.id].id in frozen:
                outcome.error(row.number, SCORE, FROZEN)
                continue
            updates.append({"id": existing[expert.id].id, **recorded})
        else:
            outcome.unchanged += 1
    if not outcome.ok:
        return outcome
    if inserts:
        db.session.execute(sa.insert(ExamResult), inserts)
    if updates:
        db.session.execute(sa.update(ExamResult), updates)
    outcome.created, outcome.updated = len(inserts), len(updates)
    record_event(
        "exam_results.imported",
        actor=actor,
        object_type="exam_session",
        object_id=exam_session.id,
        details={
            "centre": exam_session.centre.code,
            "source": source,
            "rows": outcome.rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        },
    )
    db.session.flush()
    return outcome
