"""The archive: written once, never overwritten, never regenerated, checked on every read."""

import hashlib

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.archive import ArchiveError, archive_root, store
from registry.certificates.models import Certificate
from registry.certificates.service import issue_certificate
from registry.enums import CertificateLevel, CertificateStatus, Role
from registry.extensions import db
from tests.factories import ExpertFactory, UserFactory, issued_certificate


def _issue(app, **expert_kwargs):
    with app.app_context():
        certificate = issued_certificate(**expert_kwargs)
        db.session.commit()
        snapshot = (certificate.number, certificate.sha256, certificate.archive_path)
        db.session.remove()
    return snapshot


def _events(app, action):
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_same_certificate_downloaded_twice_gives_the_archived_bytes(app, client, login_as):
    number, sha256, _path = _issue(app)
    login_as("officer")
    first = client.get(f"/certificates/{number}.pdf")
    second = client.get(f"/certificates/{number}.pdf")
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.data == second.data
    assert hashlib.sha256(first.data).hexdigest() == sha256
    assert f"{number}.pdf" in first.headers["Content-Disposition"]
    downloads = _events(app, "certificate.downloaded")
    assert [e.details["number"] for e in downloads] == [number, number]


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_a_damaged_archive_file_is_refused_logged_and_not_regenerated(
    app, client, login_as, damage
):
    number, _sha256, relpath = _issue(app)
    with app.app_context():
        path = archive_root() / relpath
    if damage == "altered":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01  # one bit flipped in the middle of the file
        path.write_bytes(bytes(data))
    else:
        path.unlink()
    before = path.read_bytes() if path.exists() else None
    login_as("auditor")
    response = client.get(f"/certificates/{number}.pdf")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert (path.read_bytes() if path.exists() else None) == before
    [event] = _events(app, "certificate.archive_failed")
    assert event.details == {"number": number, "problem": damage, "path": relpath}
    assert _events(app, "certificate.downloaded") == []


def test_verify_archive_reports_missing_altered_and_orphan_files(app, runner):
    intact = _issue(app)
    altered = _issue(app)
    missing = _issue(app)
    with app.app_context():
        root = archive_root()
    (root / altered[2]).write_bytes(b"%PDF-1.4 forged")
    (root / missing[2]).unlink()
    stray = (root / intact[2]).parent / "NSCL-QG-2026-09999-0000000000000000.pdf"
    stray.write_bytes(b"%PDF stray")

    result = runner.invoke(args=["registry", "verify-archive"])
    assert result.exit_code == 1
    assert f"ALTERED  {altered[0]}" in result.output
    assert f"MISSING  {missing[0]}" in result.output
    assert f"ORPHAN   {stray.relative_to(root).as_posix()}" in result.output
    assert intact[0] not in result.output
    [event] = _events(app, "certificate.archive_checked")
    assert event.details["altered"] == [altered[0]]
    assert event.details["missing"] == [missing[0]]


def test_verify_archive_passes_on_an_intact_archive(app, runner):
    _issue(app)
    _issue(app)
    result = runner.invoke(args=["registry", "verify-archive"])
    assert result.exit_code == 0, result.output
    assert "Archive intact: 2 certificates checked." in result.output


def test_an_existing_file_is_never_overwritten(tmp_path):
    data = b"%PDF-1.4 first"
    digest = hashlib.sha256(data).hexdigest()
    assert store(tmp_path, "2026/a.pdf", data, digest) is True
    assert store(tmp_path, "2026/a.pdf", data, digest) is False  # identical: reused
    other = b"%PDF-1.4 second"
    with pytest.raises(ArchiveError, match="never overwritten"):
        store(tmp_path, "2026/a.pdf", other, hashlib.sha256(other).hexdigest())
    assert (tmp_path / "2026" / "a.pdf").read_bytes() == data
    assert [p.name for p in (tmp_path / "2026").iterdir()] == ["a.pdf"]


def test_name_correction_reissues_and_the_old_pdf_is_untouched(ctx):
    officer = UserFactory(role=Role.OFFICER)
    expert = ExpertFactory(full_name="Nguyễn Văn Tùng", status="certified")
    old = issue_certificate(expert, CertificateLevel.NATIONAL, actor=officer)
    db.session.commit()
    old_bytes = (archive_root() / old.archive_path).read_bytes()

    expert.full_name = "Nguyễn Văn Tũng"
    new = issue_certificate(expert, CertificateLevel.NATIONAL, actor=officer, replaces=old)
    db.session.commit()

    assert new.number != old.number and new.archive_path != old.archive_path
    assert old.status == CertificateStatus.SUPERSEDED and old.superseded_by_id == new.id
    assert old.holder_name == "Nguyễn Văn Tùng" and new.holder_name == "Nguyễn Văn Tũng"
    assert (archive_root() / old.archive_path).read_bytes() == old_bytes
    assert hashlib.sha256(old_bytes).hexdigest() == old.sha256
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 2
