"""Faults: the real worker (`registry worker`, a Huey consumer) runs a batch job and sends
mail; killed with SIGKILL midway and started again, it finishes the job with nothing doubled."""

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.jobs import create_job
from registry.certificates.models import BatchJob, Certificate
from registry.enums import BatchJobStatus, ExpertStatus, Role
from registry.experts.lifecycle import transition
from registry.extensions import db
from tests.big_jobs import kill, start_worker, stop, wait_for
from tests.factories import ExpertFactory, UserFactory, Walk, issued_certificate
from tests.mailserver import MailServer

PENDING = 150
pytestmark = pytest.mark.slow


def _job(app):
    with app.app_context():
        job = db.session.scalar(sa.select(BatchJob))
        values = job.status, job.total, job.done, job.failed
        db.session.remove()
        return values


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
    worker = start_worker(app, tmp_path, smtp_port=smtp.port)
    try:
        wait_for(lambda: _job(app)[2] >= PENDING // 4, 180, worker, tmp_path)
        kill(worker)
        status, total, done, _failed = _job(app)
        assert status == BatchJobStatus.RUNNING, status
        assert 0 < done < total == PENDING + 1, (done, total)

        worker = start_worker(app, tmp_path, smtp_port=smtp.port)
        wait_for(lambda: _job(app)[0] == BatchJobStatus.FINISHED, 300, worker, tmp_path)
        assert _job(app) == (BatchJobStatus.FINISHED, PENDING + 1, PENDING + 1, 0)
        wait_for(lambda: len(smtp.messages) >= 4, 60, worker, tmp_path)
    finally:
        stop(worker)
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
