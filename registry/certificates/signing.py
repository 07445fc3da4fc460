"""The PAdES signature of the issuing body on every archived certificate PDF (pyhanko).

The rendered page gets the signed credential attached (an embedded file) and is signed
once, at issue; the archive keeps the signed bytes and their SHA-256. Production reads a
PKCS#12 file (REGISTRY_PDF_SIGNING_P12, REGISTRY_PDF_SIGNING_P12_PASSWORD); development
generates a self-signed one into instance/; tests get one per process.

Batch workers sign too: the parent hands them the PKCS#12 bytes (`install_sealer`), so
that no worker needs the app.
"""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

CREDENTIAL_MEDIA_TYPE = "application/ld+json"
# Bytes kept for the CMS signature: an ECDSA or RSA-4096 signature with a certificate chain
# of a few certificates fits; a larger chain makes signing fail loudly, not silently.
SIGNATURE_ROOM = 16384
_sealer = None
_test_material = None


class PdfSigningError(RuntimeError):
    """The PDF signing certificate cannot be loaded."""


def self_signed_p12(common_name, password=None):
    """A new self-signed signing certificate and its key, as PKCS#12 bytes (development)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        common_name.encode("utf-8"), key, certificate, None, encryption
    )


def signing_material(app):
    """(PKCS#12 bytes, password or None) for the app, from its settings."""
    global _test_material
    configured = app.config.get("REGISTRY_PDF_SIGNING_P12")
    password = app.config.get("REGISTRY_PDF_SIGNING_P12_PASSWORD")
    password = password.encode("utf-8") if password else None
    if configured:
        try:
            return Path(configured).read_bytes(), password
        except OSError as exc:
            raise PdfSigningError(f"cannot read REGISTRY_PDF_SIGNING_P12: {exc}") from exc
    body = app.config["REGISTRY_ISSUING_BODY"]
    if app.config["REGISTRY_ENV"] == "development":
        path = Path(app.instance_path) / "pdf_signing.p12"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self_signed_p12(body))
            path.chmod(0o600)
        return path.read_bytes(), None
    if _test_material is None:  # testing: one self-signed certificate per process
        _test_material = self_signed_p12(body), None
    return _test_material


class PdfSealer:
    """Attaches the credential to a rendered PDF and signs it (PAdES B-B)."""

    def __init__(self, p12_bytes, password=None):
        try:
            self.signer = signers.SimpleSigner.load_pkcs12_data(p12_bytes, [], password)
        except (ValueError, TypeError) as exc:
            raise PdfSigningError(f"not a usable PKCS#12 signing file: {exc}") from exc
        if self.signer is None:
            raise PdfSigningError("not a usable PKCS#12 signing file (wrong password?)")

    @property
    def certificate(self):
        return self.signer.signing_cert

    def seal(self, pdf, *, number, credential, location="Hà Nội"):
        """The signed PDF bytes: `pdf` with `credential` attached as <number>.credential.json."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        if credential:
            data = credential.encode("utf-8")
            attachment = embed.EmbeddedFileObject.from_file_data(
                writer, data=data, mime_type=CREDENTIAL_MEDIA_TYPE
            )
            name = f"{number}.credential.json"
            spec = embed.FileSpec(
                file_spec_string=name,
                file_name=name,
                embedded_data=attachment,
                description="Open Badges 3.0 verifiable credential (eddsa-rdfc-2022)",
            )
            embed.embed_file(writer, spec)
        metadata = signers.PdfSignatureMetadata(
            field_name="IssuerSignature",
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=f"Cấp giấy chứng nhận {number}",
            location=location,
        )
        # Reserving the signature's room up front spares pyhanko a trial signature made
        # only to measure it (half the signing time).
        return signers.sign_pdf(
            writer, metadata, signer=self.signer, bytes_reserved=SIGNATURE_ROOM
        ).getvalue()


def use_sealer(loaded):
    """Make `loaded` (a PdfSealer) this process's sealer for batch rendering."""
    global _sealer
    _sealer = loaded
    return loaded


def install_sealer(p12_bytes, password=None):
    """A batch worker's initializer: load the sealer from the parent's PKCS#12 bytes."""
    return use_sealer(PdfSealer(p12_bytes, password))


def sealer():
    """This process's sealer, installed before rendering starts."""
    if _sealer is None:
        raise PdfSigningError("no PDF signer installed in this process")
    return _sealer
