"""Public verification: what anyone holding the number and the code may learn, and the log."""

import hmac
from dataclasses import dataclass

import sqlalchemy as sa

from registry.audit.service import record_event
from registry.certificates.models import Certificate
from registry.enums import CertificateStatus
from registry.extensions import db
from registry.targets.counting import today

# Compared against when the number is unknown, so that both answers take as long.
_DUMMY_CODE = "x" * 27
NO_MATCH = "no_match"


@dataclass
class Verification:
    """A certificate as a verifier sees it: the printed fields and the status today."""

    certificate: Certificate
    status: CertificateStatus
    successor_number: str | None

    @property
    def reason(self):
        """The reason code, shown only for suspended and withdrawn certificates."""
        if self.status in (CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN):
            return self.certificate.status_reason
        return None


def effective_status(certificate, on=None):
    """The status to show: a valid certificate past its date is expired, even before the
    daily `registry expire` job has caught up with it."""
    on = on or today()
    if certificate.status == CertificateStatus.VALID and certificate.valid_until < on:
        return CertificateStatus.EXPIRED
    return certificate.status


def check_certificate(number, code, *, client=None, actor=None):
    """The Verification for (number, code), or None when either is wrong; logged (flushed).

    A wrong or missing code is answered exactly like an unknown number.
    """
    number = (number or "")[:40]
    code = code or ""
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    expected = certificate.verification_code if certificate is not None else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode()) and certificate is not None
    result = None
    if matches:
        successor = certificate.superseded_by.number if certificate.superseded_by_id else None
        result = Verification(certificate, effective_status(certificate), successor)
    record_event(
        "certificate.verified",
        actor=actor,
        object_type="certificate",
        object_id=certificate.id if matches else None,
        details={
            "number": number,
            "outcome": result.status.value if result else NO_MATCH,
            "client": client,
        },
    )
    return result
