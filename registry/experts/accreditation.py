"""Requests for regional or international accreditation, with their evidence document."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import CertificateLevel, ExpertStatus, RequestStatus
from registry.experts.applications import attach_supporting_document, close_request
from registry.experts.checks import parse_day
from registry.experts.lifecycle import (
    Conflict,
    IncompleteRequest,
    NotAllowed,
    TransitionRefused,
    evaluate,
    refusal,
    transition,
)
from registry.experts.models import AccreditationRequest
from registry.experts.transitions import row_for
from registry.extensions import db
from registry.labels import STATUS_LABELS
from registry.permissions import can_decide_certification, can_submit_accreditation
from registry.text import clean_text

TARGET = {
    CertificateLevel.REGIONAL: ExpertStatus.ACCREDITED_REGIONAL,
    CertificateLevel.INTERNATIONAL: ExpertStatus.ACCREDITED_INTERNATIONAL,
}


def submit_accreditation(
    expert, *, level, reference, issuing_body, issued_on, document, filename, actor
):
    """Record evidence of regional or international recognition for an officer to decide."""
    if not can_submit_accreditation(actor, expert):
        raise NotAllowed(_l("Only the expert or an officer may submit accreditation evidence."))
    level = CertificateLevel(level)
    target = TARGET[level]
    if row_for(expert, target) is None:
        raise TransitionRefused(
            _l(
                "%(name)s is %(current)s: accreditation as %(target)s is not possible from this state.",
                name=expert.full_name,
                current=STATUS_LABELS[expert.status],
                target=STATUS_LABELS[target],
            )
        )
    reference, issuing_body = clean_text(reference), clean_text(issuing_body)
    issued_on = parse_day(issued_on)
    if (
        not reference
        or not issuing_body
        or len(reference) > 200
        or len(issuing_body) > 200
        or issued_on is None
        or issued_on > local_day(utcnow())
    ):
        raise IncompleteRequest(
            _l(
                "Give the reference, the issuing body and the date of the recognition (not in the future)."
            )
        )
    if document is None:
        raise IncompleteRequest(_l("Attach the document that proves the recognition."))
    if db.session.scalar(
        sa.select(AccreditationRequest.id).where(
            AccreditationRequest.expert_id == expert.id,
            AccreditationRequest.level == level,
            AccreditationRequest.status == RequestStatus.PENDING,
        )
    ):
        raise TransitionRefused(_l("A request for this level is already waiting for a decision."))
    request = AccreditationRequest(
        expert_id=expert.id,
        level=level,
        reference=reference,
        issuing_body=issuing_body,
        issued_on=issued_on,
        requested_by_id=actor.id,
    )
    attach_supporting_document(request, document, filename)
    db.session.add(request)
    db.session.flush()
    record_event(
        "accreditation.requested",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={
            "request_id": request.id,
            "level": level.value,
            "reference": reference,
            "document_sha256": request.document_sha256,
        },
    )
    return request


def request_evidence(request):
    """The evidence a transition records for this request."""
    return {
        "reference": request.reference,
        "issuing_body": request.issuing_body,
        "issued_on": request.issued_on.isoformat(),
        "request_id": request.id,
        "document_name": request.document_name,
        "document_sha256": request.document_sha256,
    }


def evaluate_request(request, actor):
    return evaluate(
        request.expert, TARGET[request.level], actor=actor, evidence=request_evidence(request)
    )


def decide_accreditation(request, *, approve, actor, reason=None, expected_version=None):
    """Approve (the expert is accredited, a certificate issued) or refuse a request."""
    if not can_decide_certification(actor):
        raise NotAllowed(_l("Only a certification officer may take this decision."))
    if request.status != RequestStatus.PENDING:
        raise Conflict(_l("This request was already decided by someone else. Reload the page."))
    if approve:
        evaluation = evaluate_request(request, actor)
        if not evaluation.ok:
            raise refusal(evaluation)
    elif not clean_text(reason):
        raise IncompleteRequest(_l("Give the reason for refusing the request."))
    close_request(AccreditationRequest, request, approve=approve, actor=actor)
    if not approve:
        record_event(
            "accreditation.refused",
            actor=actor,
            object_type="expert",
            object_id=request.expert_id,
            details={"request_id": request.id, "reason": clean_text(reason)},
        )
        return None
    return transition(
        request.expert,
        TARGET[request.level],
        actor=actor,
        reason=reason,
        evidence=request_evidence(request),
        expected_version=expected_version,
    )
