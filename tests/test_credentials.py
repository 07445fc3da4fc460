"""Signed credentials (eddsa-rdfc-2022): the W3C test vector, the registry's credentials,
the published keys, the holder's download and the API endpoint."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from registry.credentials import keys
from registry.credentials.dataintegrity import ProofError, sign, verify
from registry.credentials.jsonld import JsonLdFailure, canonicalize, load_document
from registry.credentials.keys import write_key_file
from registry.credentials.models import CertificateCredential, IssuerKey
from registry.credentials.multibase import decode_base58btc
from registry.credentials.service import backfill_credentials, credential_of
from registry.credentials.verify import verify_credential
from registry.enums import Role
from registry.extensions import db
from tests.conftest import make_app
from tests.factories import ExpertFactory, UserFactory, issued_certificate

VECTORS = Path(__file__).resolve().parent / "vectors" / "eddsa-rdfc-2022"


def _vector(name):
    text = (VECTORS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def secret_key_bytes(multikey):
    """The 32-byte seed of an Ed25519 `secretKeyMultibase`."""
    data = decode_base58btc(multikey)
    assert data.startswith(b"\x80\x26") and len(data) == 34
    return data[2:]


def dropped_terms(document):
    """Keys that JSON-LD expansion would drop (undefined terms, hence unsigned)."""
    expanded = jsonld.expand(document, {"documentLoader": load_document})
    compacted = jsonld.compact(expanded, document["@context"], {"documentLoader": load_document})
    return _missing(document, compacted)


def _missing(original, kept, path=""):
    missing = []
    if isinstance(original, dict):
        for key, value in original.items():
            if key == "@context":
                continue
            if not isinstance(kept, dict) or key not in kept:
                missing.append(f"{path}{key}")
            else:
                missing += _missing(value, kept[key], f"{path}{key}.")
    elif isinstance(original, list):
        kept_list = kept if isinstance(kept, list) else [kept]
        for index, item in enumerate(original):
            if index < len(kept_list):
                missing += _missing(item, kept_list[index], f"{path}{index}.")
    return missing


def test_the_w3c_vector_signs_to_its_exact_proof_value_and_verifies():
    key_pair = _vector("keyPair.json")
    signed = _vector("signedDataInt.json")
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert canonicalize(unsigned) == _vector("canonDocDataInt.txt")
    private = Ed25519PrivateKey.from_private_bytes(
        secret_key_bytes(key_pair["privateKeyMultibase"])
    )
    proof = signed["proof"]
    ours = sign(unsigned, private, proof["verificationMethod"], proof["created"])
    assert ours["proof"] == proof
    assert (
        verify(signed, lambda _method: key_pair["publicKeyMultibase"])
        == (proof["verificationMethod"])
    )


def test_a_changed_document_or_unknown_key_does_not_verify():
    key_pair = _vector("keyPair.json")
    signed = _vector("signedDataInt.json")
    altered = {**signed, "name": "Forged Credential"}
    with pytest.raises(ProofError, match="does not match"):
        verify(altered, lambda _m: key_pair["publicKeyMultibase"])
    with pytest.raises(ProofError, match="unknown verification method"):
        verify(signed, lambda _m: None)
    with pytest.raises(ProofError, match="no proof"):
        verify({k: v for k, v in signed.items() if k != "proof"}, lambda _m: None)


def test_contexts_load_only_from_the_package():
    document = {"@context": ["https://example.org/ctx"], "name": "x"}
    with pytest.raises(JsonLdFailure, match=r"https://example\.org/ctx"):
        canonicalize(document)


def _credential(certificate):
    return json.loads(credential_of(certificate).document)


def test_an_issued_certificate_carries_a_signed_open_badge(ctx):
    certificate = issued_certificate(full_name="Nguyễn Thị Hương Trà")
    document = _credential(certificate)
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = document["credentialSubject"]
    assert subject["name"] == "Nguyễn Thị Hương Trà"
    assert subject["licenseNumber"] == certificate.number
    assert "TCVN 13751:2023" in subject["achievement"]["tag"]
    assert document["validFrom"].startswith(certificate.issued_on.isoformat())
    assert document["validUntil"].startswith(certificate.valid_until.isoformat())
    assert document["evidence"][0]["id"].endswith(f"code={certificate.verification_code}")
    assert document["issuer"]["id"] == keys.issuer_did()
    assert dropped_terms({k: v for k, v in document.items() if k != "proof"}) == []
    assert verify(document, keys.resolve_key).startswith(keys.issuer_did() + "#z6Mk")
    purposes = {entry["statusPurpose"] for entry in document["credentialStatus"]}
    assert purposes == {"revocation", "suspension"}


def test_expansion_check_finds_an_undefined_term(ctx):
    certificate = issued_certificate()
    document = _credential(certificate)
    document.pop("proof")
    document["credentialSubject"]["favouriteColour"] = "đỏ"
    assert dropped_terms(document) == ["credentialSubject.favouriteColour"]


def test_the_stored_credential_is_never_changed(ctx):
    issued_certificate()
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.update(CertificateCredential).values(document="{}"))
        db.session.flush()
    db.session.rollback()


def test_the_did_document_keeps_old_keys_after_a_rotation(backend, request, tmp_path):
    old, new = tmp_path / "old.pem", tmp_path / "new.pem"
    write_key_file(old)
    write_key_file(new)
    app = request.getfixturevalue("app")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first = make_app(url, tmp_path, REGISTRY_SIGNING_KEY_FILE=str(old))
    with first.app_context():
        certificate = issued_certificate()
        db.session.commit()
        number = certificate.number
    second = make_app(url, tmp_path, REGISTRY_SIGNING_KEY_FILE=str(new))
    with second.app_context():
        issued_certificate()
        db.session.commit()
        published = second.test_client().get("/.well-known/did.json").get_json()
        methods = [m["publicKeyMultibase"] for m in published["verificationMethod"]]
        assert len(methods) == 2 and published["assertionMethod"][0].endswith(methods[0])
        assert all(m["type"] == "Multikey" for m in published["verificationMethod"])
        old_credential = db.session.scalar(
            sa.select(CertificateCredential.document)
            .join(CertificateCredential.certificate)
            .where(CertificateCredential.certificate.has(number=number))
        )
        assert verify(json.loads(old_credential), keys.resolve_key)
        assert db.session.scalar(sa.select(sa.func.count(IssuerKey.id))) == 2
        db.session.remove()
        db.engine.dispose()
    with first.app_context():
        db.engine.dispose()


def test_verification_reports_dates(ctx):
    certificate = issued_certificate()
    document = _credential(certificate)
    later = datetime(certificate.valid_until.year + 1, 1, 1, tzinfo=UTC)
    report = verify_credential(document, keys.resolve_key, now=later)
    assert not report.ok and "expired" in report.problems[0]
    assert verify_credential(document, keys.resolve_key).ok


def test_backfill_builds_the_missing_credentials(ctx, monkeypatch):
    # A certificate issued before credentials existed (and not rendered yet, since
    # rendering attaches the credential and so issues a missing one).
    monkeypatch.setattr("registry.certificates.service.issue_credential", lambda _c: None)
    monkeypatch.setitem(ctx.config, "REGISTRY_CERTIFICATES_RENDER_AT_ISSUE", False)
    certificate = issued_certificate()
    monkeypatch.undo()
    assert credential_of(certificate) is None
    assert backfill_credentials() == 1
    assert verify(_credential(certificate), keys.resolve_key)
    assert backfill_credentials() == 0


def _holder_certificate(app):
    with app.app_context():
        holder = UserFactory(role=Role.EXPERT)
        certificate = issued_certificate(ExpertFactory(user=holder, status="certified"))
        db.session.commit()
        return holder.email, certificate.number


@pytest.mark.parametrize("role", ["holder", Role.OFFICER, Role.AUDITOR])
def test_the_api_returns_the_credential_to_those_who_may_see_it(app, client, api_as, role):
    email, number = _holder_certificate(app)
    if role == "holder":
        from registry.auth.models import User
        from tests.factories import api_token_for

        with app.app_context():
            token = api_token_for(db.session.scalar(sa.select(User).filter_by(email=email)))
            db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
    else:
        _account, headers = api_as(role)
    response = client.get(f"/api/v1/certificates/{number}/credential", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    with app.app_context():
        assert verify(json.loads(response.data), keys.resolve_key)


def test_the_api_answers_404_to_anyone_else(app, client, api_as):
    _email, number = _holder_certificate(app)
    _account, headers = api_as(Role.CENTRE_STAFF)
    response = client.get(f"/api/v1/certificates/{number}/credential", headers=headers)
    assert response.status_code == 404
    assert number.encode() not in response.data
    unknown = client.get("/api/v1/certificates/NSCL-QG-2099-99999/credential", headers=headers)
    assert unknown.status_code == 404


def test_the_holder_downloads_it_from_their_page(app, client, login_as):
    account = login_as(Role.EXPERT)
    with app.app_context():
        expert = ExpertFactory(user_id=account.id, status="certified")
        number = issued_certificate(expert).number
        db.session.commit()
    page = client.get("/me").get_data(as_text=True)
    assert f"/certificates/{number}.credential.json" in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    assert "Tải chứng chỉ số đã ký (Open Badges)" in page
    response = client.get(f"/certificates/{number}.credential.json")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_another_user_gets_404_for_the_download(app, client, login_as):
    email, number = _holder_certificate(app)
    login_as(Role.CENTRE_STAFF)
    response = client.get(f"/certificates/{number}.credential.json")
    assert response.status_code == 404
    assert email.encode() not in response.data
