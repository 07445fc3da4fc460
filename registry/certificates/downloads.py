"""Handing out archived certificates: always the bytes written at issue, and logged."""

from registry.audit.service import record_event
from registry.certificates.archive import read_archived


def download_certificate(certificate, *, actor):
    """The archived PDF of an issued certificate, hash-checked; the download is logged.

    Raises ArchiveError (after logging the problem) when the file is missing or altered.
    """
    data = read_archived(certificate, actor=actor)
    record_event(
        "certificate.downloaded",
        actor=actor,
        object_type="certificate",
        object_id=certificate.id,
        details={"number": certificate.number, "sha256": certificate.sha256},
    )
    return data
