"""Faults: the real worker (`registry worker`, a Huey consumer) runs a batch job and sends
mail; killed with SIGKILL midway and started again, it finishes the job with nothing doubled."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.jobs import create_job
from registry.certificates.models import BatchJob, Certificate
from registry.enums import BatchJobStatus, ExpertStatus, Role
from registry.experts.lifecycle import transition
from registry.extensions import db
from tests.factories import ExpertFactory, UserFactory, Walk, issued_certificate
from tests.mailserver import MailServer

ROOT = Path(__file__).resolve().parent.parent
PENDING = 150
pytestmark = pytest.mark.slow


def _worker(app, tmp_path, smtp_port):
    env = {
        **os.environ,
        "REGISTRY_ENV": "development",
        "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_CERTIFICATES_DIR": app.config["REGISTRY_CERTIFICATES_DIR"],
        "REGISTRY_UPLOADS_DIR": app.config["REGISTRY_UPLOADS_DIR"],
        "REGISTRY_TASKS_DATABASE": str(tmp_path / "tasks.sqlite3"),
        "REGISTRY_BATCH_PROCESSES": "1",
        "REGISTRY_PUBLIC_URL": "http://127.0.0.1:5000",  # the worker has no request to ask
        "REGISTRY_SMTP_HOST": "127.0.0.1",
        "REGISTRY_SMTP_PORT": str(smtp_port),
        "SECRET_KEY": "fault-test",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "registry", "worker"]
    with open(tmp_path / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def _job(app):
    with app.app_context():
        job = db.session.scalar(sa.select(BatchJob))
        values = job.status, job.total, job.done, job.failed
        db.session.remove()
        return values


def _wait(predicate, seconds, worker, tmp_path):
    deadline = time.monotonic() + seconds
    while not predicate():
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert worker.poll() is None, log
        assert time.monotonic() < deadline, log
        time.sleep(0.2)


def test_a_killed_worker_resumes_the_batch_and_sends_the_mail_once(app, backend, tmp_path):
    app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
    with app.app_context():
        officer = UserFactory(role=Role.OFFICER)
        for _ in range(PENDING):
            issued_certificate(actor=officer)
        walk = Walk()
        account = UserFactory(role=Role.EXPERT, email="chuyengia@example.vn")
        expert = ExpertFactory(user=account, email="chuyengia@example.vn")
        walk.certified(expert)
        review = {"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"}
        transition(expert, ExpertStatus.SUSPENDED, actor=walk.officer, reason="K", evidence=review)
        transition(expert, ExpertStatus.CERTIFIED, actor=walk.officer, reason="K")
        create_job(actor=officer)  # queued from the page while no worker ran
        db.session.commit()
    smtp = MailServer().start()
    worker = _worker(app, tmp_path, smtp.port)
    try:
        _wait(lambda: _job(app)[2] >= PENDING // 4, 180, worker, tmp_path)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        status, total, done, _failed = _job(app)
        assert status == BatchJobStatus.RUNNING, status
        assert 0 < done < total == PENDING + 1, (done, total)

        worker = _worker(app, tmp_path, smtp.port)
        _wait(lambda: _job(app)[0] == BatchJobStatus.FINISHED, 300, worker, tmp_path)
        assert _job(app) == (BatchJobStatus.FINISHED, PENDING + 1, PENDING + 1, 0)
        _wait(lambda: len(smtp.messages) >= 4, 60, worker, tmp_path)
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)  # the consumer's graceful stop
            worker.wait(timeout=60)
        smtp.stop()
    with app.app_context():
        archived = db.session.scalars(
            sa.select(AuditEvent.object_id).where(AuditEvent.action == "certificate.archived")
        ).all()
        certificates = db.session.scalars(sa.select(Certificate)).all()
        assert len(archived) == len(set(archived)) == len(certificates) == PENDING + 1
        assert all(c.sha256 for c in certificates)
    assert sorted(smtp.subjects()) == sorted(
        [
            "Bạn đã hoàn thành chương trình đào tạo chuyên gia",
            "Bạn đã được cấp chứng chỉ chuyên gia năng suất chất lượng",
            "Chứng chỉ chuyên gia của bạn bị tạm đình chỉ",
            "Chứng chỉ chuyên gia của bạn đã được khôi phục",
        ]
    )
