"""The archived PDF is signed (PAdES) by the issuing body and carries the credential."""

import hashlib
import io
import json

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from registry import create_app
from registry.certificates.archive import archive_root
from registry.certificates.rendering import pdf_sealer
from registry.certificates.signing import PdfSigningError, self_signed_p12
from registry.config import ConfigError
from registry.credentials import keys
from registry.credentials.dataintegrity import verify
from registry.credentials.keys import write_key_file
from registry.credentials.service import credential_of
from registry.extensions import db
from tests.conftest import make_app
from tests.factories import issued_certificate


def _status(data, trusted):
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted]))


def test_the_archived_pdf_is_signed_and_unaltered(ctx):
    certificate = issued_certificate()
    db.session.commit()
    data = (archive_root() / certificate.archive_path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == certificate.sha256
    status = _status(data, pdf_sealer().certificate)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signer_reported_dt is not None


def test_the_pdf_carries_the_signed_credential_as_an_attachment(ctx):
    certificate = issued_certificate()
    db.session.commit()
    data = (archive_root() / certificate.archive_path).read_bytes()
    attachments = PdfReader(io.BytesIO(data)).attachments
    (content,) = attachments[f"{certificate.number}.credential.json"]
    assert content.decode("utf-8") == credential_of(certificate).document
    assert verify(json.loads(content), keys.resolve_key)


def test_a_changed_byte_breaks_the_signature(ctx):
    certificate = issued_certificate()
    db.session.commit()
    data = bytearray((archive_root() / certificate.archive_path).read_bytes())
    at = data.index(b"stream") + 20  # inside the page's first content stream
    data[at] ^= 0xFF
    status = _status(bytes(data), pdf_sealer().certificate)
    assert not status.intact


def test_production_reads_the_pkcs12_file_with_its_password(tmp_path):
    p12 = tmp_path / "signing.p12"
    p12.write_bytes(self_signed_p12("Tổng cục TCĐLCL", password="mật-khẩu".encode()))
    key = tmp_path / "signing.pem"
    write_key_file(key)
    config = {
        "REGISTRY_ENV": "production",
        "SECRET_KEY": "x" * 64,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
        "REGISTRY_SIGNING_KEY_FILE": str(key),
        "REGISTRY_PDF_SIGNING_P12": str(p12),
        "REGISTRY_PDF_SIGNING_P12_PASSWORD": "wrong",
        "REGISTRY_PUBLIC_URL": "https://registry.example.vn",
    }
    with create_app(config).app_context(), pytest.raises(PdfSigningError):
        pdf_sealer()
    config["REGISTRY_PDF_SIGNING_P12_PASSWORD"] = "mật-khẩu"
    with create_app(config).app_context():
        subject = pdf_sealer().certificate.subject.human_friendly
        assert "Tổng cục TCĐLCL" in subject


def test_production_refuses_to_start_without_the_pkcs12_file(tmp_path):
    key = tmp_path / "signing.pem"
    write_key_file(key)
    with pytest.raises(ConfigError, match="REGISTRY_PDF_SIGNING_P12"):
        create_app(
            {
                "REGISTRY_ENV": "production",
                "SECRET_KEY": "x" * 64,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                "REGISTRY_PUBLIC_URL": "https://registry.example.vn",
                "REGISTRY_SIGNING_KEY_FILE": str(key),
            }
        )


def test_development_generates_its_signing_files_into_the_instance_folder(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'd.sqlite3'}", tmp_path, REGISTRY_ENV="development")
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        first = pdf_sealer().certificate
        keys.signing_key()
    assert (tmp_path / "instance" / "pdf_signing.p12").is_file()
    assert (tmp_path / "instance" / "signing_key.pem").is_file()
    again = make_app(f"sqlite:///{tmp_path / 'd.sqlite3'}", tmp_path, REGISTRY_ENV="development")
    again.instance_path = str(tmp_path / "instance")
    with again.app_context():
        assert pdf_sealer().certificate.dump() == first.dump()
