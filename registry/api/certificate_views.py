"""API endpoints over the certificates service: a certificate, its archived PDF, verification."""

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from registry.api import bp
from registry.api.auth import allowed, api_user, documents, loads
from registry.api.errors import ApiError
from registry.api.input import Schema, Text
from registry.api.output import CertificateSchema, VerificationSchema
from registry.certificates.archive import ArchiveError
from registry.certificates.downloads import (
    download_certificate,
    downloadable_certificate,
    pdf_response,
)
from registry.certificates.verification import check_certificate
from registry.credentials.service import MEDIA_TYPE as CREDENTIAL_MEDIA_TYPE
from registry.credentials.service import credential_of
from registry.extensions import db, limiter

# Documents the path parameter: routing accepts any text, and an unknown number is a 404.
NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Za-z0-9-]+$"},
    "description": "The certificate number, e.g. NSCL-QG-2026-00042.",
}


class VerifyQuery(Schema):
    code = Text(
        max_length=64,
        required=True,
        metadata={"description": "The verification code printed on the certificate."},
    )


def visible_certificate_or_404(number):
    """The certificate with this number, if the caller may see it; else a 404."""
    certificate = downloadable_certificate(number, api_user())
    if certificate is None:
        raise ApiError(404)
    return certificate


@bp.get("/certificates/<number>", parameters=[NUMBER])
@bp.response(200, CertificateSchema)
@allowed()
@documents(404)
@loads("certificate", visible_certificate_or_404)
def certificate(certificate):
    """A certificate (its holder, officers, auditors)."""
    return certificate


@bp.get("/certificates/<number>/pdf", parameters=[NUMBER])
@bp.response(200, content_type="application/pdf", description="The archived PDF.")
@allowed()
@documents(404)
@loads("certificate", visible_certificate_or_404)
def certificate_pdf(certificate):
    """The certificate's archived PDF, checked against its SHA-256 first."""
    if certificate.archive_path is None:
        raise ApiError(404, _l("This certificate is decided but not issued yet: no PDF exists."))
    try:
        data = download_certificate(certificate, actor=api_user())
    except ArchiveError as exc:
        db.session.commit()  # keep the audit record of the failed check
        raise ApiError(
            500,
            _l("The archived file of this certificate failed its integrity check."),
            code="archive_failed",
        ) from exc
    db.session.commit()
    return pdf_response(certificate, data)


@bp.get("/certificates/<number>/credential", parameters=[NUMBER])
@bp.response(
    200,
    content_type=CREDENTIAL_MEDIA_TYPE,
    description="The signed Open Badges 3.0 credential (docs/certificates.md).",
)
@allowed()
@documents(404)
@loads("certificate", visible_certificate_or_404)
def certificate_credential(certificate):
    """The certificate's signed credential, as issued (its holder, officers, auditors)."""
    credential = credential_of(certificate)
    if credential is None:
        raise ApiError(404, _l("This certificate has no signed credential yet."))
    return current_app.response_class(credential.document, mimetype=CREDENTIAL_MEDIA_TYPE)


@bp.get("/verify/<number>", parameters=[NUMBER])
# Per address, on top of the caller's limit: codes are guessed one request at a time.
@limiter.limit(lambda: current_app.config["REGISTRY_VERIFY_RATE_LIMIT"], override_defaults=False)
@bp.response(200, VerificationSchema)
@documents(404)
@bp.arguments(VerifyQuery, location="query", error_status_code=400)
def verify(args, number):
    """Anyone holding a certificate's number and code learns what it certifies."""
    result = check_certificate(number, args["code"], client=request.remote_addr, actor=api_user())
    if result is None:
        raise ApiError(404, _l("No certificate matches this number and code."))
    return result
