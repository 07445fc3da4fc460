"""Issuing certificates: a numbered row with the holder's details as printed."""

from flask import current_app

from registry.audit.service import record_event
from registry.certificates.models import Certificate
from registry.certificates.numbering import format_number, new_verification_code, next_sequence
from registry.certificates.rendering import render_at_issue
from registry.clock import add_years, today
from registry.enums import CertificateStatus
from registry.extensions import db


def issue_certificate(expert, level, *, actor, issued_on=None, replaces=None, valid_until=None):
    """Create the next certificate of `level` for `expert` in the current transaction.

    The holder's name and date of birth are copied as they are now. When `replaces` is
    given (renewal, name correction), that certificate becomes superseded by the new one.
    `valid_until` keeps the replaced certificate's validity on a name correction.
    """
    config = current_app.config
    issued_on = issued_on or today()
    sequence = next_sequence(level, issued_on.year)
    certificate = Certificate(
        number=format_number(level, issued_on.year, sequence),
        expert=expert,
        level=level,
        year=issued_on.year,
        sequence=sequence,
        verification_code=new_verification_code(),
        holder_name=expert.full_name,
        holder_date_of_birth=expert.date_of_birth,
        issuing_body=config["REGISTRY_ISSUING_BODY"],
        signatory_name=config["REGISTRY_SIGNATORY_NAME"],
        signatory_title=config["REGISTRY_SIGNATORY_TITLE"],
        issued_on=issued_on,
        valid_until=valid_until
        or add_years(issued_on, config["REGISTRY_CERTIFICATE_VALIDITY_YEARS"]),
        issued_by_id=getattr(actor, "id", None),
    )
    db.session.add(certificate)
    db.session.flush()
    details = {"number": certificate.number, "level": level.value, "expert_id": expert.id}
    if replaces is not None:
        replaces.status = CertificateStatus.SUPERSEDED
        replaces.superseded_by_id = certificate.id
        details["replaces"] = replaces.number
        db.session.flush()
    record_event(
        "certificate.issued",
        actor=actor,
        object_type="certificate",
        object_id=certificate.id,
        details=details,
    )
    render_at_issue(certificate, actor=actor)
    return certificate
