"""The directorate's work queues: what waits for an officer's decision."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.cases.models import Case
from registry.certificates.models import Certificate
from registry.enums import CERTIFIED_LEVELS, CaseStatus, ExpertStatus, RequestStatus
from registry.exams.models import ExamResultCorrection
from registry.experts.guards import RENEWAL_WINDOW
from registry.experts.models import AccreditationRequest, CpdRecord, Expert, NameChangeRequest
from registry.experts.renewal import level_certificate_holders

QUEUES = {
    "applications": _l("Applications to review"),
    "decisions": _l("Trained, awaiting a certification decision"),
    "accreditation": _l("Accreditation requests"),
    "holders": _l("Certificate holders: suspend or withdraw"),
    "suspended": _l("Suspended: reinstate or withdraw"),
    "renewals": _l("Renewals due and expired certificates"),
    "cpd": _l("CPD hours to confirm"),
    "name_changes": _l("Name corrections"),
    "result_corrections": _l("Corrections of exam results a decision relied on"),
    "appeals": _l("Appeals and complaints to acknowledge, assign, decide or close"),
}


def _experts_in(status):
    return sa.select(Expert).where(Expert.status == status).order_by(Expert.status_changed_at)


def _renewals(on):
    due = level_certificate_holders(Certificate.valid_until <= on + RENEWAL_WINDOW)
    return (
        sa.select(Expert)
        .where(sa.or_(Expert.status == ExpertStatus.EXPIRED, Expert.id.in_(due)))
        .order_by(Expert.status_changed_at)
    )


def _pending(model):
    return sa.select(model).where(model.status == RequestStatus.PENDING).order_by(model.created_at)


def queue_query(name, on):
    """The SELECT of one queue: oldest first, certificate holders by name."""
    return {
        "applications": lambda: _experts_in(ExpertStatus.APPLIED),
        "decisions": lambda: _experts_in(ExpertStatus.TRAINED),
        "accreditation": lambda: _pending(AccreditationRequest),
        "holders": lambda: (
            sa.select(Expert)
            .where(Expert.status.in_(CERTIFIED_LEVELS))
            .order_by(Expert.name_key, Expert.id)
        ),
        "suspended": lambda: _experts_in(ExpertStatus.SUSPENDED),
        "renewals": lambda: _renewals(on),
        "cpd": lambda: _pending(CpdRecord),
        "name_changes": lambda: _pending(NameChangeRequest),
        "result_corrections": lambda: _pending(ExamResultCorrection),
        # Every case not closed: the ones past their due day first (flagged on the page).
        "appeals": lambda: (
            sa.select(Case)
            .where(Case.status != CaseStatus.CLOSED, Case.confirmed_at.is_not(None))
            .order_by(Case.due_on, Case.id)
        ),
    }[name]()


def counts(session, on):
    """How many items wait in each queue."""
    return {
        name: session.scalar(
            sa.select(sa.func.count()).select_from(queue_query(name, on).subquery())
        )
        for name in QUEUES
    }
