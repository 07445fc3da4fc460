"""API endpoints over the certificates service: a certificate, its archived PDF, verification."""

import io

import sqlalchemy as sa
from flask import current_app, jsonify, request, send_file
from flask_babel import lazy_gettext as _l

from registry.api import bp
from registry.api.auth import api_login_required, api_user
from registry.api.errors import ApiError
from registry.api.representations import certificate_json, verification_json
from registry.api.schema import String, parse_query
from registry.certificates.archive import ArchiveError
from registry.certificates.downloads import download_certificate
from registry.certificates.models import Certificate
from registry.certificates.rendering import verification_url
from registry.certificates.verification import check_certificate, effective_status
from registry.credentials.service import MEDIA_TYPE as CREDENTIAL_MEDIA_TYPE
from registry.credentials.service import credential_for
from registry.extensions import db
from registry.permissions import can_download_certificate

VERIFY_QUERY = {
    "code": String(max_length=64, description="The verification code printed on the certificate."),
}
NOT_VERIFIED = _l("No certificate matches this number and code.")


def _certificate_or_404(number):
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None:
        raise ApiError(404)
    if not can_download_certificate(api_user(), certificate):
        raise ApiError(403)
    return certificate


@bp.get("/certificates/<number>")
@api_login_required
def certificate(number):
    found = _certificate_or_404(number)
    return jsonify(certificate_json(found, effective_status(found), verification_url(found)))


@bp.get("/certificates/<number>/pdf")
@api_login_required
def certificate_pdf(number):
    found = _certificate_or_404(number)
    if found.archive_path is None:
        raise ApiError(404, _l("This certificate is decided but not issued yet: no PDF exists."))
    try:
        data = download_certificate(found, actor=api_user())
    except ArchiveError as exc:
        db.session.commit()  # keep the audit record of the failed check
        raise ApiError(
            500,
            _l("The archived file of this certificate failed its integrity check."),
            code="archive_failed",
        ) from exc
    db.session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{found.number}.pdf",
        etag=found.sha256,
    )


@bp.get("/certificates/<number>/credential")
@api_login_required
def certificate_credential(number):
    document = credential_for(number, api_user())
    if document is None:
        raise ApiError(404)
    return current_app.response_class(document, mimetype=CREDENTIAL_MEDIA_TYPE)


@bp.get("/verify/<number>")
def verify(number):
    args = parse_query(VERIFY_QUERY)
    actor = api_user()
    result = check_certificate(number, args["code"], client=request.remote_addr, actor=actor)
    if result is None:
        raise ApiError(404, NOT_VERIFIED)
    return jsonify(verification_json(result))
