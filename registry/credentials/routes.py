"""Public keys and status lists (anyone), and the holder's credential download."""

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user, login_required

from registry.certificates import wording
from registry.certificates.rendering import verification_url
from registry.credentials import keys
from registry.credentials.models import StatusList
from registry.credentials.service import MEDIA_TYPE, credential_for, credential_of
from registry.credentials.status import PURPOSES
from registry.extensions import db

bp = Blueprint("credentials", __name__)

# Lists change when a certificate's status does; a verifier may cache one for this long.
STATUS_LIST_MAX_AGE = 300
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate):
    """LinkedIn's "add licence or certification" link, pre-filled with the certificate."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": wording.LEVELS[certificate.level.value][0],
        "organizationName": certificate.issuing_body,
        "issueYear": certificate.issued_on.year,
        "issueMonth": certificate.issued_on.month,
        "expirationYear": certificate.valid_until.year,
        "expirationMonth": certificate.valid_until.month,
        "certUrl": verification_url(certificate),
        "certId": certificate.number,
    }
    return f"{LINKEDIN_ADD}?{urlencode(query)}"


@bp.app_context_processor
def _helpers():
    return {"credential_of": credential_of, "linkedin_url": linkedin_url}


@bp.get("/.well-known/did.json")
def did_document():
    """The registry's did:web document: every key it signs or signed with."""
    response = jsonify(keys.did_document())
    response.headers["Cache-Control"] = f"public, max-age={STATUS_LIST_MAX_AGE}"
    return response


@bp.get("/credentials/status/<purpose>/<int:number>")
def status_list(purpose, number):
    """A signed status list, as stored at its last change (a 304 when unchanged)."""
    if purpose not in PURPOSES:
        abort(404)
    row = db.session.get(StatusList, (purpose, number))
    if row is None:
        abort(404)
    response = current_app.response_class(row.document, mimetype=MEDIA_TYPE)
    response.set_etag(row.etag)
    response.headers["Cache-Control"] = f"public, max-age={STATUS_LIST_MAX_AGE}"
    return response.make_conditional(request)


@bp.get("/certificates/<number>.credential.json")
@login_required
def download(number):
    """The holder's (or an officer's, an auditor's) signed credential, as a file."""
    document = credential_for(number, current_user)
    if document is None:
        abort(404)
    response = current_app.response_class(document, mimetype=MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{number}.credential.json"'
    return response
