"""`registry backup PATH` and the restore of docs/operations.md: back up a populated
registry, restore it into a fresh database and directory, and serve the same data."""

import hashlib
import json
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from registry.certificates.service import issue_certificate
from registry.enums import CertificateLevel, ExpertStatus
from registry.extensions import db
from registry.models import User
from registry.operations.backup import BackupError, make_backup
from tests.conftest import make_app
from tests.factories import ExpertFactory, UserFactory, api_token_for


def _populate(app):
    """Experts, a certificate with its archived PDF, and an API token; returns the token."""
    with app.app_context():
        officer = UserFactory(role="officer")
        for n in range(5):
            ExpertFactory(full_name=f"Nguyễn Thị Sao Lưu {n}", status=ExpertStatus.CERTIFIED)
        expert = ExpertFactory(full_name="Đặng Văn Khôi Phục", status=ExpertStatus.CERTIFIED)
        db.session.flush()
        certificate = issue_certificate(expert, CertificateLevel.NATIONAL, actor=officer)
        assert certificate.archive_path  # rendered and archived at issue
        token = api_token_for(db.session.get(User, officer.id))
        db.session.commit()
        return token


def _snapshot(app, token):
    """What the registry serves: the API's expert list and each expert, and the register."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    experts = client.get("/api/v1/experts", headers=headers).json
    assert experts["total"] == 6
    details = [
        client.get(f"/api/v1/experts/{e['id']}", headers=headers).json for e in experts["items"]
    ]
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT number, sha256, archive_path FROM certificates")
        ).all()
    register = client.get("/register?q=khoi phuc").text
    assert "Đặng Văn Khôi Phục" in register
    return experts, details, [tuple(r) for r in rows]


def _assert_audit_chain_intact(app):
    result = app.test_cli_runner().invoke(args=["registry", "audit-verify"])
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output
    assert " 0 events" not in result.output


def _check_manifest(target):
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["schema_revision"]
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == entry["sha256"]
    sums = (target / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(manifest["files"])
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=target)
        assert check.returncode == 0
    return manifest


def test_sqlite_backup_restores_to_the_same_registry(app, runner, backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("the SQLite backup")
    token = _populate(app)
    before = _snapshot(app, token)
    target = tmp_path / "backup"
    result = runner.invoke(args=["registry", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 archive files" in result.output
    manifest = _check_manifest(target)
    assert manifest["database"] == "sqlite"
    assert {"registry.sqlite3", f"certificates/{before[2][0][2]}"} <= set(manifest["files"])

    # The restore of docs/operations.md: copy the database file and the archive back.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(target / "registry.sqlite3", restored / "registry.sqlite3")
    shutil.copytree(target / "certificates", restored / "certificates")
    again = make_app(f"sqlite:///{restored / 'registry.sqlite3'}", restored)
    assert _snapshot(again, token) == before
    _number, sha256, path = before[2][0]
    assert hashlib.sha256((restored / "certificates" / path).read_bytes()).hexdigest() == sha256
    _assert_audit_chain_intact(again)
    with again.app_context():
        db.engine.dispose()


def test_postgresql_backup_restores_to_the_same_registry(app, runner, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("the PostgreSQL backup")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client)")
    token = _populate(app)
    before = _snapshot(app, token)
    target = tmp_path / "backup"
    result = runner.invoke(args=["registry", "backup", str(target)])
    assert result.exit_code == 0, result.output
    manifest = _check_manifest(target)
    assert manifest["database"] == "postgresql"
    assert "registry.dump" in manifest["files"]

    # The restore of docs/operations.md, into an emptied database and a new archive.
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    restore = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            plain,
            str(target / "registry.dump"),
        ],
        capture_output=True,
        text=True,
    )
    assert restore.returncode == 0, restore.stderr
    archive = tmp_path / "restored-certificates"
    shutil.copytree(target / "certificates", archive)
    again = make_app(str(url), tmp_path, REGISTRY_CERTIFICATES_DIR=str(archive))
    assert _snapshot(again, token) == before
    _assert_audit_chain_intact(again)
    with again.app_context():
        db.engine.dispose()


def test_backup_refuses_a_directory_that_is_not_empty(app, runner, tmp_path):
    target = tmp_path / "full"
    target.mkdir()
    (target / "something").write_text("keep me")
    result = runner.invoke(args=["registry", "backup", str(target)])
    assert result.exit_code != 0
    assert "not an empty directory" in result.output
    assert (target / "something").read_text() == "keep me"


def test_backup_says_clearly_when_pg_dump_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on this PATH
    with pytest.raises(BackupError, match=r"pg_dump was not found.*postgresql-client"):
        make_backup(
            tmp_path / "backup",
            database_url="postgresql+psycopg://registry@db.example/registry",
            certificates_dir=tmp_path,
        )
    assert not (tmp_path / "backup").exists()
