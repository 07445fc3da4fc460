"""Bitstring Status Lists: the bits move with the certificate's status, in the same
transaction; the lists are signed, served publicly with ETag and Cache-Control."""

import json

import pytest
import sqlalchemy as sa

from registry.certificates.service import issue_certificate
from registry.credentials import keys
from registry.credentials.dataintegrity import verify
from registry.credentials.models import CertificateCredential, StatusList
from registry.credentials.service import credential_of
from registry.credentials.status import LIST_BITS, bit_at, encode_bits
from registry.enums import CertificateLevel, CertificateStatus
from registry.enums import ExpertStatus as S
from registry.experts.lifecycle import transition
from registry.extensions import db
from tests.factories import Walk

REVIEW = {"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"}


def test_the_encoding_follows_the_recommendation():
    encoded = encode_bits([0, 9, LIST_BITS - 1])
    assert encoded.startswith("u") and "=" not in encoded
    assert [bit_at(encoded, i) for i in (0, 1, 8, 9, LIST_BITS - 1)] == [
        True,
        False,
        False,
        True,
        True,
    ]
    import gzip

    from registry.credentials.multibase import decode_base64url

    raw = gzip.decompress(decode_base64url(encoded))
    assert len(raw) * 8 == LIST_BITS and raw[0] == 0x80 and raw[1] == 0x40


def _bits(client, certificate_id):
    """(revoked, suspended) read from the published lists, over HTTP, like a verifier."""
    credential = db.session.scalar(
        sa.select(CertificateCredential).where(
            CertificateCredential.certificate_id == certificate_id
        )
    )
    bits = []
    for entry in json.loads(credential.document)["credentialStatus"]:
        path = entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
        response = client.get("/" + path)
        assert response.status_code == 200
        status_list = json.loads(response.data)
        assert verify(status_list, keys.resolve_key)
        subject = status_list["credentialSubject"]
        assert subject["statusPurpose"] == entry["statusPurpose"]
        bits.append(bit_at(subject["encodedList"], int(entry["statusListIndex"])))
    return tuple(bits)


def test_suspension_reinstatement_and_withdrawal_move_the_bits(app, client):
    with app.app_context():
        walk = Walk()
        expert = walk.to(S.CERTIFIED)
        db.session.commit()
        (certificate,) = expert.certificates
        cid = certificate.id
        assert _bits(client, cid) == (False, False)

        transition(expert, S.SUSPENDED, actor=walk.officer, reason="Khiếu nại", evidence=REVIEW)
        db.session.commit()
        assert _bits(client, cid) == (False, True)

        transition(expert, S.CERTIFIED, actor=walk.officer, reason="Không có căn cứ")
        db.session.commit()
        assert _bits(client, cid) == (False, False)

        transition(
            expert,
            S.WITHDRAWN,
            actor=walk.officer,
            reason="Vi phạm đạo đức",
            evidence={"reason_code": "misuse_of_certificate"},
        )
        db.session.commit()
        assert _bits(client, cid) == (True, False)


def test_a_superseded_certificate_is_revoked_and_its_successor_is_not(app, client):
    with app.app_context():
        walk = Walk()
        expert = walk.to(S.CERTIFIED)
        (old,) = expert.certificates
        new = issue_certificate(expert, CertificateLevel.NATIONAL, actor=walk.officer, replaces=old)
        db.session.commit()
        assert old.status == CertificateStatus.SUPERSEDED
        assert _bits(client, old.id) == (True, False)
        assert _bits(client, new.id) == (False, False)


def test_a_rolled_back_change_leaves_the_list_as_it_was(app, client):
    with app.app_context():
        walk = Walk()
        expert = walk.to(S.CERTIFIED)
        db.session.commit()
        (certificate,) = expert.certificates
        before = db.session.get(StatusList, ("suspension", 1)).etag
        transition(expert, S.SUSPENDED, actor=walk.officer, reason="Khiếu nại", evidence=REVIEW)
        db.session.rollback()
        assert db.session.get(StatusList, ("suspension", 1)).etag == before
        assert _bits(client, certificate.id) == (False, False)


def test_lists_are_served_with_etag_and_cache_control(app, client):
    with app.app_context():
        Walk().to(S.CERTIFIED)
        db.session.commit()
    response = client.get("/credentials/status/revocation/1")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert "max-age=" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get("/credentials/status/revocation/1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/credentials/status/revocation/2").status_code == 404
    assert client.get("/credentials/status/other/1").status_code == 404


def test_indices_are_random_and_distinct(ctx):
    walk = Walk()
    certificates = [walk.to(S.CERTIFIED).certificates[0] for _ in range(3)]
    rows = [credential_of(c) for c in certificates]
    indices = [r.revocation_index for r in rows] + [r.suspension_index for r in rows]
    assert len({r.revocation_index for r in rows}) == 3
    assert all(0 <= i < LIST_BITS for i in indices)
    assert sorted(indices) != list(range(min(indices), min(indices) + 6))


@pytest.mark.parametrize("suspend", [False, True])
def test_verify_credential_reads_the_status_from_a_list_file(app, runner, tmp_path, suspend):
    with app.app_context():
        walk = Walk()
        expert = walk.to(S.CERTIFIED)
        if suspend:
            transition(expert, S.SUSPENDED, actor=walk.officer, reason="Khiếu nại", evidence=REVIEW)
        db.session.commit()
        credential_file = tmp_path / "credential.json"
        credential_file.write_text(credential_of(expert.certificates[0]).document)
        list_file = tmp_path / "suspension.json"
        list_file.write_text(db.session.get(StatusList, ("suspension", 1)).document)
    args = ["registry", "verify-credential", str(credential_file), "--status-list", str(list_file)]
    result = runner.invoke(args=args)
    if suspend:
        assert result.exit_code != 0
        assert "suspension: the credential is suspended" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert "suspension: not set" in result.output
        assert "Credential verified." in result.output


def test_verify_credential_refuses_a_tampered_file(app, runner, tmp_path):
    with app.app_context():
        expert = Walk().to(S.CERTIFIED)
        db.session.commit()
        document = json.loads(credential_of(expert.certificates[0]).document)
    document["credentialSubject"]["name"] = "Kẻ Giả Mạo"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    result = runner.invoke(args=["registry", "verify-credential", str(path)])
    assert result.exit_code != 0
    assert "signature does not match" in result.output


def test_verify_credential_without_the_public_url_says_what_to_set(app, runner, tmp_path):
    with app.app_context():
        expert = Walk().to(S.CERTIFIED)
        db.session.commit()
        path = tmp_path / "credential.json"
        path.write_text(credential_of(expert.certificates[0]).document)
    app.config["REGISTRY_PUBLIC_URL"] = None
    result = runner.invoke(args=["registry", "verify-credential", str(path)])
    assert result.exit_code != 0
    assert "REGISTRY_PUBLIC_URL is not set" in result.output
    assert "unknown verification method" not in result.output


def test_a_full_list_sends_new_credentials_to_the_next(ctx, monkeypatch):
    monkeypatch.setattr("registry.credentials.status.PER_LIST", 2)
    walk = Walk()
    rows = [credential_of(walk.to(S.CERTIFIED).certificates[0]) for _ in range(3)]
    assert [row.status_list for row in rows] == [1, 1, 2]
    assert db.session.get(StatusList, ("revocation", 2)) is not None
    document = json.loads(rows[2].document)
    assert {e["statusListCredential"].rsplit("/", 1)[1] for e in document["credentialStatus"]} == {
        "2"
    }
