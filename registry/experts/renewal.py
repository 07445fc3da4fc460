"""Continuing professional development (CPD) and the daily expiry of lapsed certificates."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.certificates.models import Certificate
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import CERTIFIED_LEVELS, CertificateStatus, ExpertStatus
from registry.experts.applications import attach_supporting_document, close_request
from registry.experts.guards import LEVEL_CERTIFICATE
from registry.experts.lifecycle import IncompleteRequest, NotAllowed, TransitionRefused
from registry.experts.models import CpdRecord, Expert
from registry.extensions import db
from registry.permissions import can_decide_certification, can_record_cpd
from registry.text import clean_text

MAX_CPD_HOURS = 500
# States in which CPD counts toward a renewal.
CPD_STATES = (*CERTIFIED_LEVELS, ExpertStatus.SUSPENDED, ExpertStatus.EXPIRED)


def record_cpd(expert, *, activity, hours, completed_on, actor, document=None, filename=None):
    """The expert declares CPD hours, with an optional supporting document (PDF or image,
    size-limited); they count once an officer confirms them."""
    if not can_record_cpd(actor, expert):
        raise NotAllowed(_l("Only the expert records their own CPD."))
    if expert.status not in CPD_STATES:
        raise TransitionRefused(_l("CPD is recorded once you are certified."))
    activity = clean_text(activity)
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = 0
    if not activity or len(activity) > 300 or not 1 <= hours <= MAX_CPD_HOURS:
        raise IncompleteRequest(
            _l("Describe the activity and give its hours (1 to %(max)s).", max=MAX_CPD_HOURS)
        )
    if not isinstance(completed_on, date) or completed_on > local_day(utcnow()):
        raise IncompleteRequest(_l("Give the date the activity was completed (not in the future)."))
    record = CpdRecord(
        expert_id=expert.id, activity=activity, hours=hours, completed_on=completed_on
    )
    attach_supporting_document(record, document, filename)
    db.session.add(record)
    db.session.flush()
    record_event(
        "cpd.recorded",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={
            "cpd_id": record.id,
            "hours": hours,
            "completed_on": completed_on,
            "document_sha256": record.document_sha256,
        },
    )
    return record


def decide_cpd(record, *, approve, actor):
    """An officer confirms (or refuses) declared CPD hours, once."""
    if not can_decide_certification(actor):
        raise NotAllowed(_l("Only a certification officer may take this decision."))
    close_request(CpdRecord, record, approve=approve, actor=actor)
    record_event(
        "cpd.confirmed" if approve else "cpd.refused",
        actor=actor,
        object_type="expert",
        object_id=record.expert_id,
        details={"cpd_id": record.id, "hours": record.hours},
    )


def level_certificate_holders(ends):
    """SELECT of the ids of experts at a certified level whose valid certificate of that
    level meets `ends` (a condition on Certificate.valid_until)."""
    level_matches = sa.or_(
        *(
            sa.and_(Expert.status == status, Certificate.level == level)
            for status, level in LEVEL_CERTIFICATE.items()
        )
    )
    return (
        sa.select(Expert.id)
        .join(Certificate, Certificate.expert_id == Expert.id)
        .where(
            Expert.status.in_(CERTIFIED_LEVELS),
            Certificate.status == CertificateStatus.VALID,
            ends,
            level_matches,
        )
    )


def lapsed_expert_ids(on):
    """Experts at a certified level whose certificate of that level ended before `on`."""
    return db.session.scalars(
        level_certificate_holders(Certificate.valid_until < on).distinct().order_by(Expert.id)
    ).all()
