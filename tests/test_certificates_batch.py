"""Batch issuance: all pending certificates or a cohort, in processes, safe to interrupt and re-run."""

import hashlib
import time

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.archive import archive_root, scan_archive, store_certificate_pdf
from registry.certificates.batch import issue_batch, pending_certificate_ids
from registry.certificates.jobs import BatchJobError, active_job, create_job, run_job
from registry.certificates.models import BatchJob, Certificate
from registry.certificates.rendering import render_signed
from registry.database import utcnow
from registry.enums import BatchJobStatus
from registry.extensions import db
from registry.tasks.jobs import resume_open_work
from tests.factories import EnrolmentFactory, ExpertFactory, issued_certificate


def _decide(app, count, **expert_kwargs):
    """`count` certificates decided but not rendered (as when rendering is deferred)."""
    with app.app_context():
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
        ids = [issued_certificate(**expert_kwargs).id for _ in range(count)]
        db.session.commit()
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = True
    return ids


def _state(app):
    """(archived, pending, archived events, files in the archive, archive report ok)."""
    with app.app_context():
        count = sa.select(sa.func.count(Certificate.id))
        archived = db.session.scalar(count.where(Certificate.sha256.is_not(None)))
        pending = db.session.scalar(count.where(Certificate.sha256.is_(None)))
        events = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "certificate.archived"
            )
        )
        root = archive_root()
        files = len(list(root.rglob("*.pdf"))) if root.exists() else 0
        return archived, pending, events, files, scan_archive().ok


def test_issue_batch_renders_every_pending_certificate_with_two_workers(app, runner):
    _decide(app, 7)
    assert _state(app)[:2] == (0, 7)
    result = runner.invoke(args=["registry", "issue-batch", "--workers", "2", "--chunk-size", "3"])
    assert result.exit_code == 0, result.output
    assert "7 certificate(s) to issue, 2 worker(s)" in result.output
    assert "Issued 7 certificate(s); 0 were already issued; 0 failed." in result.output
    assert _state(app) == (7, 0, 7, 7, True)
    with app.app_context():
        for certificate in db.session.scalars(sa.select(Certificate)):
            data = (archive_root() / certificate.archive_path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == certificate.sha256
        job = db.session.scalar(sa.select(BatchJob))
        assert (job.status, job.total, job.done, job.failed) == (BatchJobStatus.FINISHED, 7, 7, 0)

    again = runner.invoke(args=["registry", "issue-batch"])
    assert again.exit_code == 0, again.output
    assert "Nothing to issue" in again.output
    assert _state(app) == (7, 0, 7, 7, True)


def test_a_cohort_by_course_or_by_expert_ids(app, runner):
    with app.app_context():
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
        in_course = EnrolmentFactory(course__code="KH-2026-HN-07").expert
        in_course.status = "certified"
        chosen, other = ExpertFactory(status="certified"), ExpertFactory(status="certified")
        for expert in (in_course, chosen, other):
            issued_certificate(expert)
        db.session.commit()
        ids = (in_course.id, chosen.id, other.id)

    result = runner.invoke(args=["registry", "issue-batch", "--course", "KH-2026-HN-07"])
    assert "Issued 1 certificate(s)" in result.output, result.output
    result = runner.invoke(args=["registry", "issue-batch", "--ids", f"{ids[1]}, 999999"])
    assert "Issued 1 certificate(s)" in result.output, result.output
    with app.app_context():
        assert db.session.scalars(
            sa.select(Certificate.expert_id).order_by(Certificate.id)
        ).all() == list(ids)
        assert pending_certificate_ids() == [
            db.session.scalar(sa.select(Certificate.id).where(Certificate.expert_id == ids[2]))
        ]


def test_failures_are_summarised_per_expert_and_stay_pending(app, runner):
    _decide(app, 2)
    with app.app_context():
        bad = issued_certificate(full_name="Trương 王 Minh")  # rendering fails at issue too
        db.session.commit()
        bad_ref = (bad.expert_id, bad.number)
    result = runner.invoke(args=["registry", "issue-batch", "--workers", "2"])
    assert result.exit_code == 1
    assert "Issued 2 certificate(s); 0 were already issued; 1 failed." in result.output
    assert f"expert {bad_ref[0]} Trương 王 Minh ({bad_ref[1]}): UnprintableText" in result.output
    assert _state(app)[:2] == (2, 1)
    with app.app_context():
        job = db.session.scalar(sa.select(BatchJob))
        assert (job.done, job.failed) == (2, 1)
        assert job.failures[0]["number"] == bad_ref[1]
        assert job.failures[0]["expert_id"] == bad_ref[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupted_run_commits_whole_chunks_and_a_rerun_finishes(app, runner, workers):
    ids = _decide(app, 5)

    def interrupt_after_first_chunk(_n):
        raise KeyboardInterrupt

    with app.app_context():
        job = create_job()
        db.session.commit()
        with pytest.raises(KeyboardInterrupt):
            run_job(job.id, workers=workers, chunk_size=2, on_progress=interrupt_after_first_chunk)
        job = db.session.get(BatchJob, job.id)
        assert (job.status, job.message, job.done) == (BatchJobStatus.FAILED, "interrupted", 2)
        assert pending_certificate_ids() == ids[2:]
    assert _state(app) == (2, 3, 2, 2, True)

    result = runner.invoke(args=["registry", "issue-batch", "--workers", str(workers)])
    assert result.exit_code == 0, result.output
    assert _state(app) == (5, 0, 5, 5, True)


def test_a_file_written_just_before_a_crash_is_kept_and_reported_not_overwritten(app, runner):
    # A signed PDF carries its signing time, so a re-run signs a new file; the one the
    # database never heard of stays untouched and `verify-archive` lists it as unclaimed.
    [certificate_id] = _decide(app, 1)
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        data = render_signed(certificate)
        db.session.commit()  # the credential it attached
        # The crash: the file is in the archive, the database never heard of it.
        _digest, relpath, created = store_certificate_pdf(
            certificate.number, certificate.year, data
        )
        assert created
    assert _state(app)[:4] == (0, 1, 0, 1)

    result = runner.invoke(args=["registry", "issue-batch", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert _state(app) == (1, 0, 1, 2, False)
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).archive_path != relpath
        assert scan_archive().orphans == [relpath]


def test_a_certificate_archived_meanwhile_is_not_archived_twice(app):
    ids = _decide(app, 3)
    with app.app_context():
        # Another run archives the middle one after this run listed it.
        issue_batch(ids[1:2])
        summary = issue_batch(ids)
        assert (summary.archived, summary.already) == (2, 1)
    assert _state(app) == (3, 0, 3, 3, True)


def test_only_one_open_job_at_a_time(app):
    _decide(app, 1)
    with app.app_context():
        first = create_job()
        db.session.commit()
        with pytest.raises(BatchJobError):
            create_job()
        first.status = BatchJobStatus.RUNNING  # e.g. its worker was killed: still open
        db.session.commit()
        with pytest.raises(BatchJobError):
            create_job()
        assert active_job().id == first.id


def test_a_job_left_running_by_a_killed_worker_is_resumed_without_doubling(app):
    _decide(app, 5)
    with app.app_context():
        job = create_job()
        db.session.commit()
        job_id = job.id
        ids = pending_certificate_ids()
        # A first run issued two, committed its counts, and was killed.
        job.status, job.total = BatchJobStatus.RUNNING, 5
        job.started_at = utcnow()
        db.session.commit()
        issue_batch(ids[:2], job=job)
        db.session.remove()
    with app.app_context():
        resume_open_work()  # what the worker does when it starts again
    with app.app_context():
        job = db.session.get(BatchJob, job_id)
        assert (job.status, job.total, job.done, job.failed) == (BatchJobStatus.FINISHED, 5, 5, 0)
        archived = db.session.scalars(
            sa.select(AuditEvent.object_id).where(AuditEvent.action == "certificate.archived")
        ).all()
        assert len(archived) == len(set(archived)) == 5
    assert _state(app) == (5, 0, 5, 5, True)


def test_officers_start_a_background_job_and_follow_its_progress(app, client, login_as):
    _decide(app, 3)
    login_as("officer")
    page = client.get("/directorate/certificates").get_data(as_text=True)
    assert "3" in page
    response = client.post("/directorate/certificates", data={"course": "", "expert_ids": ""})
    assert response.status_code == 302
    job_url = response.headers["Location"]

    deadline = time.monotonic() + 90
    while True:
        with app.app_context():
            job = db.session.scalar(sa.select(BatchJob))
            status, done = job.status, job.done
            db.session.remove()
        if status in (BatchJobStatus.FINISHED, BatchJobStatus.FAILED):
            break
        assert time.monotonic() < deadline, "the background job did not finish in time"
        time.sleep(0.3)
    assert status == BatchJobStatus.FINISHED
    assert done == 3
    assert _state(app) == (3, 0, 3, 3, True)
    assert client.get(job_url).status_code == 200
    assert "3 / 3" in client.get("/directorate/certificates").get_data(as_text=True)


def test_auditors_follow_jobs_but_cannot_start_them(app, client, login_as):
    login_as("auditor")
    assert client.get("/directorate/certificates").status_code == 200
    assert client.post("/directorate/certificates", data={}).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BatchJob.id))) == 0


def test_a_batch_with_nothing_to_issue_does_not_start(app, client, login_as, english):
    login_as("officer")
    response = client.post(
        "/directorate/certificates", data={"course": "", "expert_ids": ""}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Nothing to issue: every certificate decided is already issued." in response.text
    _decide(app, 1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BatchJob.id))) == 0
        with pytest.raises(BatchJobError, match="mọi chứng chỉ của nhóm này"):
            create_job(course_code="NO-SUCH-COURSE")


@pytest.mark.parametrize("role", ["expert", "centre_staff", "admin"])
def test_others_cannot_open_the_batch_pages(app, client, login_as, role):
    _decide(app, 1)
    with app.app_context():
        job = create_job()
        db.session.commit()
        job_id = job.id
    login_as(role)
    assert client.get("/directorate/certificates").status_code == 403
    assert client.get(f"/directorate/certificates/jobs/{job_id}").status_code == 403


def test_a_second_job_is_refused_while_one_runs(app, client, login_as):
    _decide(app, 1)
    with app.app_context():
        create_job()
        db.session.commit()
    login_as("officer")
    response = client.post(
        "/directorate/certificates", data={"course": "", "expert_ids": ""}, follow_redirects=True
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BatchJob.id))) == 1


def test_an_unexpected_error_ends_the_batch_as_failed_and_a_new_job_finishes_it(
    app, client, login_as, monkeypatch
):
    _decide(app, 5)
    login_as("officer")
    app.config["REGISTRY_BATCH_PROCESSES"] = 1
    import registry.certificates.batch as batch

    def fail(directory):  # the chunk's files are written; recording them meets a fault
        raise RuntimeError("disk gone")

    monkeypatch.setattr(batch, "sync_directory", fail)
    response = client.post("/directorate/certificates", data={"course": "", "expert_ids": ""})
    job_url = response.headers["Location"]
    page = client.get(job_url).text
    assert "dừng lại vì một lỗi không lường trước" in page and "RuntimeError" in page
    assert 'http-equiv="refresh"' not in page
    with app.app_context():
        job = db.session.scalar(sa.select(BatchJob))
        assert (job.status, job.done) == (BatchJobStatus.FAILED, 0)
        assert job.finished_at is not None and active_job() is None
    assert _state(app)[:3] == (0, 5, 0)  # the broken chunk is not recorded

    monkeypatch.undo()
    response = client.post("/directorate/certificates", data={"course": "", "expert_ids": ""})
    assert response.status_code == 302 and response.headers["Location"] != job_url
    with app.app_context():
        second = db.session.scalars(sa.select(BatchJob).order_by(BatchJob.id)).all()[-1]
        assert (second.status, second.total, second.done) == (BatchJobStatus.FINISHED, 5, 5)
    # Each issued once; the files the broken chunk wrote are left for verify-archive to
    # report, as after a crash.
    assert _state(app)[:3] == (5, 0, 5)
