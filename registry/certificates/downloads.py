"""Handing out archived certificates: always the bytes written at issue, and logged."""

import io

import sqlalchemy as sa
from flask import send_file

from registry.audit.service import record_event
from registry.certificates.archive import read_archived
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.permissions import can_download_certificate


def downloadable_certificate(number, user):
    """The certificate numbered `number` if `user` may download it; None otherwise."""
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None or not can_download_certificate(user, certificate):
        return None
    return certificate


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


def pdf_response(certificate, data):
    """The archived PDF `data` of `certificate` as a file download."""
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{certificate.number}.pdf",
        etag=certificate.sha256,
    )
