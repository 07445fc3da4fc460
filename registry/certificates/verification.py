"""Public verification: what anyone holding the number and the code may learn, and the log."""

import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from registry.audit.service import log_verification
from registry.certificates.models import Certificate
from registry.clock import today
from registry.database import DriverStatement
from registry.enums import CertificateStatus
from registry.transactions import log_connection

# Compared against when the number is unknown, so that both answers take as long.
_DUMMY_CODE = "x" * 27
NO_MATCH = "no_match"


# What a check reads: the printed fields, the stored status and the successor's number; a
# plain row, run on the driver (registry.database.DriverStatement): checks are many.
_successor = aliased(Certificate)
_printed = sa.select(
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
    Certificate.status_reason,
    _successor.number.label("successor_number"),
).outerjoin(_successor, _successor.id == Certificate.superseded_by_id)
_PRINTED = DriverStatement(_printed.where(Certificate.number == sa.bindparam("number")))


@dataclass
class Verification:
    """A certificate as a verifier sees it: the printed fields and the status today.

    `certificate` is a named tuple with the printed fields of Certificate (number, holder_name,
    level, scheme, issuing_body, issued_on, valid_until, status_reason).
    """

    certificate: tuple
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
    """The Verification for (number, code), or None when either is wrong; logged, committed.

    A wrong or missing code is answered exactly like an unknown number. The check reads and
    logs itself on a connection of its own (`log_connection`), beside whatever the request's
    session holds: on SQLite its one INSERT holds the write lock only while it runs, and its
    commit does not wait for the disk (a power failure may lose the last checks' log
    entries, never a decision).
    """
    number = (number or "")[:40]
    code = code or ""
    with log_connection() as connection:
        row = connection.first(_PRINTED, number=number)
        expected = row.verification_code if row is not None else _DUMMY_CODE
        matches = hmac.compare_digest(expected.encode(), code.encode()) and row is not None
        status = effective_status(row) if matches else None
        log_verification(
            connection,
            number=number,
            certificate_id=row.id if matches else None,
            outcome=status.value if matches else NO_MATCH,
            client=client,
            actor=actor,
        )
    return Verification(row, status, row.successor_number) if matches else None
