"""Faults: `registry issue-batch` killed with SIGKILL in the middle of its work leaves no
certificate pointing at a missing or partial file, and running it again finishes the job
without issuing anything twice."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.archive import file_sha256
from registry.certificates.models import Certificate
from registry.extensions import db
from tests.factories import UserFactory, issued_certificate

ROOT = Path(__file__).resolve().parent.parent
PENDING = 120


def _flask(app, *args, wait=True):
    env = {
        **os.environ,
        "REGISTRY_ENV": "development",
        "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_CERTIFICATES_DIR": app.config["REGISTRY_CERTIFICATES_DIR"],
        "REGISTRY_UPLOADS_DIR": app.config["REGISTRY_UPLOADS_DIR"],
        "SECRET_KEY": "fault-test",
        "REGISTRY_TASKS_DATABASE": str(
            Path(app.config["REGISTRY_UPLOADS_DIR"]).parent / "tasks.db"
        ),
        "REGISTRY_PUBLIC_URL": "http://127.0.0.1:5000",  # a command has no request to derive it
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "registry", *args]
    if not wait:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _archived_files(root):
    return [p for p in Path(root).rglob("*.pdf") if p.is_file()]


def test_a_killed_batch_leaves_a_consistent_archive_and_a_rerun_completes(app, backend):
    if backend != "sqlite":
        pytest.skip("one real SQLite database file is enough for the subprocess")
    app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
    with app.app_context():
        officer = UserFactory(role="officer")
        numbers = {issued_certificate(actor=officer).number for _ in range(PENDING)}
        db.session.commit()
    root = app.config["REGISTRY_CERTIFICATES_DIR"]

    job = _flask(app, "issue-batch", "--workers", "1", "--chunk-size", "7", wait=False)
    try:
        deadline = time.monotonic() + 120
        while len(_archived_files(root)) < PENDING // 3 and time.monotonic() < deadline:
            assert job.poll() is None, "the batch finished before it could be killed"
            time.sleep(0.02)
        os.kill(job.pid, signal.SIGKILL)
    finally:
        job.wait()
    assert job.returncode == -signal.SIGKILL

    with app.app_context():
        rows = db.session.execute(
            sa.select(Certificate.number, Certificate.sha256, Certificate.archive_path)
        ).all()
        issued = [row for row in rows if row.sha256 is not None]
        assert 0 < len(issued) < PENDING, "killed midway: some issued, some pending"
        for number, sha256, path in issued:  # no row points at a missing or partial file
            assert file_sha256(Path(root) / path) == sha256, number
        assert all(row.archive_path is None for row in rows if row.sha256 is None)
    check = _flask(app, "verify-archive")
    assert "ALTERED" not in check.stdout and "MISSING" not in check.stdout, check.stdout
    tags = {"MISSING", "ALTERED", "ORPHAN", "LEFTOVER"}
    problems = {line.split()[0] for line in check.stdout.splitlines() if line.strip()} & tags
    # Files of the chunk in flight are unclaimed (ORPHAN, the row was not committed) or
    # temporary (LEFTOVER); nothing else.
    assert problems <= {"ORPHAN", "LEFTOVER"}, check.stdout

    # The killed job is still open: running the command again resumes it.
    again = _flask(app, "issue-batch", "--workers", "1")
    assert again.returncode == 0, again.stdout + again.stderr

    with app.app_context():
        certificates = db.session.scalars(sa.select(Certificate)).all()
        assert {c.number for c in certificates} == numbers  # no certificate added or lost
        assert all(c.sha256 and c.archive_path for c in certificates)
        for certificate in certificates:
            assert file_sha256(Path(root) / certificate.archive_path) == certificate.sha256
        archived = db.session.scalars(
            sa.select(AuditEvent.object_id).where(AuditEvent.action == "certificate.archived")
        ).all()
        assert sorted(archived) == sorted(str(c.id) for c in certificates)  # each once
    final = _flask(app, "verify-archive")
    assert "ALTERED" not in final.stdout and "MISSING" not in final.stdout, final.stdout
