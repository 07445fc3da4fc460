"""From a certificate row to its archived PDF: the printed fields, the QR link, the renderer."""

from urllib.parse import quote, urlencode

from flask import current_app, has_request_context, request

from registry.audit.service import record_event
from registry.certificates.archive import record_archived, store_certificate_pdf
from registry.certificates.pdf import CertificatePdf, PrintedCertificate
from registry.certificates.signing import PdfSealer, signing_material

_renderer = None
_SEALER = "registry_pdf_sealer"


def renderer():
    """The process's CertificatePdf (fonts are registered once per process)."""
    global _renderer
    if _renderer is None:
        _renderer = CertificatePdf()
    return _renderer


def pdf_sealer():
    """The app's PDF sealer (its signing certificate loaded once per app)."""
    app = current_app._get_current_object()
    sealer = app.extensions.get(_SEALER)
    if sealer is None:
        sealer = app.extensions[_SEALER] = PdfSealer(*signing_material(app))
    return sealer


def credential_text(certificate):
    """The certificate's signed credential, issued now if it has none yet (older ones)."""
    from registry.credentials.service import credential_of, issue_credential

    credential = credential_of(certificate) or issue_credential(certificate)
    return credential.document


def render_signed(certificate):
    """The certificate's PDF as archived: drawn, credential attached, signed."""
    data = renderer().render(printed_fields(certificate))
    return pdf_sealer().seal(
        data, number=certificate.number, credential=credential_text(certificate)
    )


class PublicUrlUnknown(RuntimeError):
    """No address to print in QR codes: REGISTRY_PUBLIC_URL is unset outside a request."""


def public_base_url():
    """The address QR codes point at: REGISTRY_PUBLIC_URL, else (development) this server's.

    Production refuses to start without the setting (config.py); in development the
    address the browser used is the one that works, whatever host and port serve it.
    """
    configured = current_app.config.get("REGISTRY_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    raise PublicUrlUnknown(
        "REGISTRY_PUBLIC_URL is not set and there is no request to take the server's "
        "address from: set it (e.g. REGISTRY_PUBLIC_URL=http://127.0.0.1:5000) so that "
        "QR codes point at this registry."
    )


def verification_url(certificate, base_url=None):
    """<public base URL>/verify/<number>?code=<code>: what the QR code encodes."""
    base = (base_url or public_base_url()).rstrip("/")
    query = urlencode({"code": certificate.verification_code})
    return f"{base}/verify/{quote(certificate.number)}?{query}"


def printed_fields(certificate, base_url=None):
    """The certificate's printed fields as plain values (picklable, for worker processes)."""
    return PrintedCertificate(
        number=certificate.number,
        level=certificate.level.value,
        holder_name=certificate.holder_name,
        holder_date_of_birth=certificate.holder_date_of_birth,
        scheme=certificate.scheme,
        issuing_body=certificate.issuing_body,
        signatory_name=certificate.signatory_name,
        signatory_title=certificate.signatory_title,
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        verification_url=verification_url(certificate, base_url),
    )


def render_at_issue(certificate, *, actor=None):
    """Render and archive a just-issued certificate, inside the issuing transaction.

    Returns True when archived. A failure (or REGISTRY_CERTIFICATES_RENDER_AT_ISSUE off)
    leaves sha256 NULL: the decision stands and `registry issue-batch` renders it later.
    """
    if not current_app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"]:
        return False
    try:
        data = render_signed(certificate)
        digest, relpath, _created = store_certificate_pdf(
            certificate.number, certificate.year, data
        )
    # Whatever goes wrong in reportlab or the file system must not undo the decision
    # being recorded by the caller: the certificate stays pending and is reported.
    except Exception as exc:
        current_app.logger.exception("rendering certificate %s failed", certificate.number)
        record_event(
            "certificate.render_failed",
            actor=actor,
            object_type="certificate",
            object_id=certificate.id,
            details={"number": certificate.number, "error": f"{type(exc).__name__}: {exc}"},
        )
        return False
    record_archived(certificate, digest, relpath, actor=actor)
    return True
