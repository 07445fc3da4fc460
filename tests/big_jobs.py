"""Issue 14's check of big work in the background, at any size: a completion import of
`rows` rows and a batch issuance of `certificates` certificates, queued while no worker
runs, then run by the real worker (`registry worker`, a Huey consumer in its own process)
which is killed with SIGKILL in the middle of each job and started again.

Used by tests/test_faults_big_jobs.py at a small size and by benchmarks/bench_jobs.py at
the issue's size (20,000 rows, 1,000 certificates), which times it.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.centres.import_jobs import DONE, ENROLMENTS, RUNNING, ImportJob, start_job
from registry.centres.imports.enrolments import COLUMNS
from registry.centres.models import Course, Enrolment
from registry.certificates.jobs import create_job
from registry.certificates.models import BatchJob, Certificate
from registry.enums import BatchJobStatus, CourseLevel, ExpertStatus, Role
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.mail.models import OutboxMessage
from tests.factories import (
    CentreFactory,
    UserFactory,
    bulk_experts,
    csv_file,
    issued_certificate,
    staff_of,
    topic,
)

ROOT = Path(__file__).resolve().parent.parent


def start_worker(app, directory, *, smtp_port=None, threads=2):
    """`flask --app wsgi registry worker` on the app's database, logging to worker.log."""
    env = {
        **os.environ,
        "REGISTRY_ENV": "development",
        "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_CERTIFICATES_DIR": app.config["REGISTRY_CERTIFICATES_DIR"],
        "REGISTRY_UPLOADS_DIR": app.config["REGISTRY_UPLOADS_DIR"],
        "REGISTRY_TASKS_DATABASE": str(directory / "tasks.sqlite3"),
        "REGISTRY_MAIL_DIR": str(directory / "mail"),
        "REGISTRY_BATCH_PROCESSES": "1",
        "REGISTRY_PUBLIC_URL": "http://127.0.0.1:5000",  # the worker has no request to ask
        "SECRET_KEY": "fault-test",
    }
    if smtp_port is not None:
        env.update(REGISTRY_SMTP_HOST="127.0.0.1", REGISTRY_SMTP_PORT=str(smtp_port))
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "registry", "worker"]
    command += ["--threads", str(threads)]
    with open(directory / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_for(predicate, seconds, worker, directory):
    """Poll `predicate` until true; fail with the worker's log if it died or time ran out."""
    deadline = time.monotonic() + seconds
    while not predicate():
        log = (directory / "worker.log").read_text(errors="replace")
        assert worker.poll() is None, log
        assert time.monotonic() < deadline, log
        time.sleep(0.1)


def kill(worker):
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()


def stop(worker):
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)  # the consumer's graceful stop
        worker.wait(timeout=120)


@dataclass
class Jobs:
    import_job_id: int
    batch_job_id: int
    staff_id: int
    before: dict
    seen: list = field(default_factory=list)  # what was observed while the jobs ran


def counts():
    """What the jobs write, counted; nothing of it may be doubled."""
    count = sa.func.count()

    def events(action):
        return db.session.scalar(
            sa.select(count).select_from(AuditEvent).where(AuditEvent.action == action)
        )

    def messages(kind):
        return db.session.scalar(
            sa.select(count).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
        )

    return {
        "trained experts": db.session.scalar(
            sa.select(count).select_from(Expert).where(Expert.status == ExpertStatus.TRAINED)
        ),
        "enrolments": db.session.scalar(sa.select(count).select_from(Enrolment)),
        "status changes": db.session.scalar(sa.select(count).select_from(StatusChange)),
        "experts with a change": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(StatusChange.expert_id)))
        ),
        "transition events": events("expert.transition"),
        "import events": events("enrolments.imported"),
        "certificates": db.session.scalar(sa.select(count).select_from(Certificate)),
        "certificates issued": db.session.scalar(
            sa.select(count).select_from(Certificate).where(Certificate.sha256.is_not(None))
        ),
        "archived events": events("certificate.archived"),
        "certificates archived": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(AuditEvent.object_id))).where(
                AuditEvent.action == "certificate.archived"
            )
        ),
        "trained messages": messages("trained"),
        "import messages": messages("import_finished"),
        "all messages": db.session.scalar(sa.select(count).select_from(OutboxMessage)),
    }


def queue_jobs(app, rows, certificates):
    """A centre's completion file of `rows` applicants and `certificates` certificates
    decided but not issued; both jobs queued (committed) while no worker runs."""
    with app.app_context():
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
        officer = UserFactory(role=Role.OFFICER)
        for _ in range(certificates):
            issued_certificate(actor=officer)
        centre = CentreFactory(code="LON")
        staff = staff_of(centre)
        course = Course(
            centre=centre,
            topic=topic(),
            code="CG-LON",
            title="Chương trình đào tạo chuyên gia năng suất chất lượng",
            level=CourseLevel.BASIC,
            starts_on=date.today() - timedelta(days=60),
            ends_on=date.today() - timedelta(days=20),
            hours=120,
            capacity=rows,
        )
        db.session.add(course)
        emails = bulk_experts(rows, prefix="lon")
        born = dict(
            db.session.execute(
                sa.select(Expert.email, Expert.date_of_birth).where(Expert.email.like("lon%"))
            ).all()
        )
        ends = course.ends_on.strftime("%d/%m/%Y")
        table = [
            [course.code, email, "", born[email].strftime("%d/%m/%Y"), "110", "có", ends]
            for email in emails
        ]
        data = csv_file([c.header for c in COLUMNS], table, bom=True)
        batch = create_job(actor=officer)
        job = start_job(
            ENROLMENTS,
            centre=centre,
            data=data,
            filename="hoan-thanh.csv",
            rows=rows,
            actor=db.session.get(User, staff.id),
        )
        db.session.commit()
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = True
        jobs = Jobs(job.id, batch.id, staff.id, counts())
        db.session.remove()
        return jobs


def job_states(app, jobs):
    """((import status, attempts), (batch status, done, total))"""
    with app.app_context():
        job = db.session.get(ImportJob, jobs.import_job_id)
        batch = db.session.get(BatchJob, jobs.batch_job_id)
        states = (job.status, job.attempts), (batch.status, batch.done, batch.total)
        db.session.remove()
        return states


def run_with_kills(app, directory, jobs, look_at_import):
    """Start the worker, kill it in the middle of the batch, start it again, kill it in the
    middle of the import's writing, start it again, until both jobs are done.

    One worker thread: on SQLite the import holds the only write lock for its whole
    transaction, which the batch would otherwise wait on (docs/performance.md). The queue
    keeps what the killed worker had not taken, and each start queues the open jobs again:
    after the first restart the import (queued before the kill) runs before the rest of
    the batch, and a job queued twice runs once (its lock, then its status).
    `look_at_import()` returns what the job's page shows (the phase, the rows done); it is
    polled while the import runs. Returns the seconds each stage took."""
    timings = {}
    started = time.monotonic()
    worker = start_worker(app, directory, threads=1)
    try:
        # The batch: killed once a quarter of it is committed.
        wait_for(
            lambda: job_states(app, jobs)[1][1] >= jobs.before["certificates"] // 4,
            600,
            worker,
            directory,
        )
        kill(worker)
        (_, _), (status, done, total) = job_states(app, jobs)
        assert status == BatchJobStatus.RUNNING and 0 < done < total, (status, done, total)
        timings["first start, batch until killed"] = time.monotonic() - started

        # Started again: the import, killed as it writes.
        restarted = time.monotonic()
        worker = start_worker(app, directory, threads=1)

        def writing():
            seen = look_at_import()
            if seen and (not jobs.seen or jobs.seen[-1] != seen):
                jobs.seen.append(seen)
            return seen is not None and seen[0] == "writing"

        wait_for(writing, 900, worker, directory)
        kill(worker)
        assert job_states(app, jobs)[0] == (RUNNING, 1)
        timings["second start, until killed in the import"] = time.monotonic() - restarted

        # Started again: the rest of the batch, and the import again from the start.
        restarted = time.monotonic()
        worker = start_worker(app, directory, threads=1)
        wait_for(
            lambda: job_states(app, jobs) == ((DONE, 2), (BatchJobStatus.FINISHED, total, total)),
            1800,
            worker,
            directory,
        )
        timings["third start, until both are done"] = time.monotonic() - restarted
    finally:
        stop(worker)
    return timings
