"""Public verification: what anyone holding the number and the code may learn, and the log."""

import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from registry.audit.models import VerificationCheck
from registry.certificates.models import Certificate
from registry.certificates.wording import REASONS
from registry.clock import today
from registry.database import utcnow
from registry.enums import CertificateStatus
from registry.extensions import db
from registry.transactions import commit_with_retry

# Compared against when the number is unknown, so that both answers take as long.
_DUMMY_CODE = "x" * 27
NO_MATCH = "no_match"
# How long a check keeps the client's address (personal data, SPEC §6).
CLIENT_RETENTION = timedelta(days=90)


# What a check reads: the printed fields, the stored status and the successor's number.
_successor = aliased(Certificate)
_PRINTED = sa.select(
    Certificate.id,
    Certificate.number,
    Certificate.verification_code,
    Certificate.holder_name,
    Certificate.level,
    Certificate.scheme,
    Certificate.issuing_body,
    Certificate.issued_on,
    Certificate.valid_until,
    Certificate.status,
    Certificate.reason_code,
    _successor.number.label("successor_number"),
).outerjoin(_successor, _successor.id == Certificate.superseded_by_id)


@dataclass
class Verification:
    """A certificate as a verifier sees it: the printed fields and the status today.

    `certificate` is a named tuple with the printed fields of Certificate (number, holder_name,
    level, scheme, issuing_body, issued_on, valid_until, reason_code). The officer's note
    (Certificate.status_reason) is not read: a verifier never sees it.
    """

    certificate: tuple
    status: CertificateStatus
    successor_number: str | None

    @property
    def reason(self):
        """The public reason's words (Vietnamese, English), only for suspended and withdrawn
        certificates that have one."""
        code = self.certificate.reason_code
        if code and self.status in (CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN):
            return REASONS[code.value]
        return None


def effective_status(certificate, on=None):
    """The status to show: a valid certificate past its date is expired, even before the
    daily `registry expire` job has caught up with it."""
    on = on or today()
    if certificate.status == CertificateStatus.VALID and certificate.valid_until < on:
        return CertificateStatus.EXPIRED
    return certificate.status


def check_certificate(number, code, *, client=None, actor=None):
    """The Verification for (number, code), or None when either is wrong; logged, committed.

    A wrong or missing code is answered exactly like an unknown number. The check and its
    log row are one unit of work, committed here before the answer is given, whichever view
    (page or API) asked: no check is answered without being logged.
    """
    number = (number or "")[:40]
    code = code or ""
    actor_id, actor_label = getattr(actor, "id", None), getattr(actor, "email", None)

    def check():
        row = db.session.execute(_PRINTED.where(Certificate.number == number)).first()
        expected = row.verification_code if row is not None else _DUMMY_CODE
        matches = hmac.compare_digest(expected.encode(), code.encode()) and row is not None
        status = effective_status(row) if matches else None
        db.session.add(
            VerificationCheck(
                number=number,
                certificate_id=row.id if matches else None,
                outcome=status.value if matches else NO_MATCH,
                client=(client or "")[:64] or None,
                actor_id=actor_id,
                actor_label=actor_label or "anonymous",
            )
        )
        db.session.flush()
        return Verification(row, status, row.successor_number) if matches else None

    return commit_with_retry(check)


def purge_check_addresses(now=None):
    """Drop the client address of every check older than CLIENT_RETENTION (the row stays);
    returns how many were dropped. Flushed, not committed."""
    cutoff = (now or utcnow()) - CLIENT_RETENTION
    result = db.session.execute(
        sa.update(VerificationCheck)
        .where(VerificationCheck.checked_at < cutoff, VerificationCheck.client.is_not(None))
        .values(client=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
