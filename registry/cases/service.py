"""What every kind of case shares (appeals.py, complaints.py): its refusals, the periods of
the configuration, the text of grounds and reasons, the conditional write of a step and
its audit event."""

import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.cases.models import Case
from registry.enums import ComplaintSubject
from registry.extensions import db

MAX_GROUNDS = 5000
# An upheld complaint about these must lead to an audit finding with a corrective action
# (ISO/IEC 17024 9.9: a valid complaint about the body's own work is corrected, on record).
FINDING_REQUIRED = (ComplaintSubject.CENTRE, ComplaintSubject.DIRECTORATE)


class CaseError(Exception):
    """A refused step; its message is translated when shown (str of the exception)."""

    http_status = 409


class CaseNotAllowed(CaseError):
    http_status = 403


class CaseConflict(CaseError):
    """The case moved on since the page was read."""


def paragraphs(value):
    """Text as typed, NFC, with its line breaks (grounds and reasons run to paragraphs)."""
    return unicodedata.normalize("NFC", value or "").strip()[:MAX_GROUNDS] or None


def moved_on(case):
    return CaseConflict(
        _l("Case #%(id)s has moved on since you read it; reload the page.", id=case.id)
    )


def update_once(case, statement, row=None):
    """Run the conditional UPDATE `statement`, which must write exactly one row (else the
    case moved on since the page was read), then reload `row` (by default the case)."""
    if db.session.execute(statement).rowcount != 1:
        raise moved_on(case)
    db.session.refresh(case if row is None else row)


def move(case, expected, source, target, **values):
    """UPDATE the case from `source` to `target` only if it is still as the page showed."""
    if expected != source or case.status != source:
        raise moved_on(case)
    table = Case.__table__
    update_once(
        case,
        sa.update(table)
        .where(table.c.id == case.id, table.c.status == source)
        .values(status=target, **values),
    )


# The audit action of each step of a case (registry/labels.py names each).
CASE_ACTIONS = {
    "filed": "case.filed",
    "received": "case.received",
    "acknowledged": "case.acknowledged",
    "assigned": "case.assigned",
    "decided": "case.decided",
    "closed": "case.closed",
    "finding": "case.finding_recorded",
    "measure": "case.measure_taken",
}


def record_step(case, step, actor, **details):
    """The audit event of `step` of `case`."""
    record_event(
        CASE_ACTIONS[step],
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"kind": case.kind.value, "expert_id": case.expert_id, **details},
    )
