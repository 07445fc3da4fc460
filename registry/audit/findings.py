"""Audit findings and their corrective actions, wherever a finding comes from: an auditor's
sample of certifications (registry/audit/sampling.py) or a complaint upheld by its handler
(registry/cases/complaints.py).

A nonconformity takes a corrective action and the day it is due; a corrective action is
marked done once, with a comment on what was done, by whoever may close it
(`can_close_action`); an open one past its due day is overdue.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.models import AuditFinding
from registry.audit.service import record_event
from registry.clock import LOCAL_TZ, today
from registry.database import utcnow
from registry.enums import FindingResult
from registry.extensions import db
from registry.permissions import can_close_action
from registry.text import clean_text

MAX_TEXT = 5000


class AuditError(ValueError):
    """An audit step the registry refuses; the message says why."""


def checked_action(result, corrective_action, due_on):
    """(result, corrective action) as a finding records them, or an AuditError: a
    nonconformity needs a corrective action due today or later; a conforming finding none."""
    result = FindingResult(result)
    corrective_action = clean_text(corrective_action)
    if corrective_action and len(corrective_action) > MAX_TEXT:
        raise AuditError(
            _l("The corrective action is too long (at most %(max)s characters).", max=MAX_TEXT)
        )
    if result == FindingResult.NONCONFORMING:
        if not corrective_action or due_on is None:
            raise AuditError(
                _l("A nonconformity needs a corrective action and the date it is due.")
            )
        if due_on < today():
            raise AuditError(_l("The corrective action cannot be due in the past."))
    elif corrective_action or due_on is not None:
        raise AuditError(_l("A conforming finding takes no corrective action or due date."))
    return result, corrective_action


def add_finding(*, recorded_by, result, note=None, corrective_action=None, due_on=None, **origin):
    """Record a finding (checked by `checked_action`) from `origin`: sample and certificate,
    or case (with the centre or the person who must act). Returns the AuditFinding."""
    result, corrective_action = checked_action(result, corrective_action, due_on)
    finding = AuditFinding(
        auditor_id=recorded_by.id,
        result=result,
        note=clean_text(note),
        corrective_action=corrective_action,
        due_on=due_on,
        **origin,
    )
    db.session.add(finding)
    db.session.flush()
    record_event(
        "audit.finding_recorded",
        actor=recorded_by,
        object_type="audit_finding",
        object_id=finding.id,
        details={
            "sample_id": finding.sample_id,
            "certificate": finding.certificate.number if finding.certificate else None,
            "case_id": finding.case_id,
            "centre_id": finding.centre_id,
            "action_owner": finding.action_owner,
            "result": result.value,
            "due_on": due_on,
        },
    )
    return finding


def close_action(finding, *, actor, closed_on, note):
    """Mark the corrective action of a nonconformity done; `note` says what was done and on
    what evidence."""
    if not can_close_action(actor, finding):
        raise AuditError(_l("You may not close this corrective action."))
    note = clean_text(note)
    if finding.result != FindingResult.NONCONFORMING:
        raise AuditError(_l("Only a nonconformity has a corrective action to close."))
    if finding.closed_on is not None:
        raise AuditError(_l("This corrective action is already closed."))
    if not note:
        raise AuditError(_l("Say how the nonconformity was corrected."))
    if closed_on is None or closed_on > today():
        raise AuditError(_l("The closing date cannot be in the future."))
    if closed_on < finding.created_at.astimezone(LOCAL_TZ).date():
        raise AuditError(_l("The closing date cannot be before the finding was recorded."))
    # Conditional: of two officers closing at once, one closes and the other is told.
    rows = db.session.execute(
        sa.update(AuditFinding)
        .where(AuditFinding.id == finding.id, AuditFinding.closed_on.is_(None))
        .values(closed_on=closed_on, closed_note=note, closed_by_id=actor.id, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        raise AuditError(_l("This corrective action is already closed."))
    db.session.refresh(finding)
    record_event(
        "audit.action_closed",
        actor=actor,
        object_type="audit_finding",
        object_id=finding.id,
        details={"closed_on": closed_on, "note": note, "case_id": finding.case_id},
    )


def open_actions():
    """Nonconformities whose corrective action is not closed, the earliest due first."""
    return db.session.scalars(
        sa.select(AuditFinding)
        .where(AuditFinding.result == FindingResult.NONCONFORMING, AuditFinding.closed_on.is_(None))
        .order_by(AuditFinding.due_on, AuditFinding.id)
    ).all()


def is_overdue(finding, on):
    """A corrective action still open after the day it was due."""
    return (
        finding.result == FindingResult.NONCONFORMING
        and finding.closed_on is None
        and finding.due_on < on
    )
