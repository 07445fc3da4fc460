"""Issuing a certificate's signed credential, reading it back, backfilling older ones."""

import sqlalchemy as sa
from flask import current_app

from registry.audit.service import record_event
from registry.certificates.downloads import downloadable_certificate
from registry.certificates.models import Certificate
from registry.credentials import keys, status
from registry.credentials.badge import build_credential
from registry.credentials.models import CertificateCredential
from registry.database import utcnow
from registry.extensions import db

MEDIA_TYPE = "application/ld+json"


def issue_credential(certificate):
    """Build, sign and store the certificate's credential (flushed, never changed after).

    Called by issue_certificate in the issuing transaction, and by the backfill.
    """
    from registry.certificates.rendering import printed_fields

    number, revocation_index, suspension_index = status.allocate()
    entries = status.status_entries(number, revocation_index, suspension_index)
    unsigned = build_credential(
        printed_fields(certificate),
        issuer_did=keys.issuer_did(),
        base_url=current_app.config["REGISTRY_PUBLIC_URL"],
        status_entries=entries,
    )
    credential = CertificateCredential(
        certificate_id=certificate.id,
        document=keys.signed_json(unsigned, utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")),
        status_list=number,
        revocation_index=revocation_index,
        suspension_index=suspension_index,
    )
    db.session.add(credential)
    db.session.flush()
    status.ensure_lists(number)
    return credential


def credential_of(certificate):
    """The stored credential of a certificate, or None (issued before credentials)."""
    return db.session.scalar(
        sa.select(CertificateCredential).where(
            CertificateCredential.certificate_id == certificate.id
        )
    )


def credential_for(number, user):
    """The credential text of certificate `number` for `user`, or None when the
    certificate does not exist, has no credential, or `user` may not see it."""
    certificate = downloadable_certificate(number, user)
    credential = certificate and credential_of(certificate)
    return credential.document if credential else None


def backfill_credentials(*, actor=None):
    """Issue credentials for certificates that have none, oldest first; then rebuild the
    lists they went into, so their bits match their status. Returns how many (flushed)."""
    missing = db.session.scalars(
        sa.select(Certificate)
        .outerjoin(CertificateCredential, CertificateCredential.certificate_id == Certificate.id)
        .where(CertificateCredential.id.is_(None))
        .order_by(Certificate.id)
    ).all()
    for certificate in missing:
        issue_credential(certificate)
    status.certificates_changed(missing)
    if missing:
        record_event(
            "credentials.backfilled",
            actor=actor,
            object_type="certificate",
            details={"count": len(missing), "numbers": [c.number for c in missing][:100]},
        )
    return len(missing)
