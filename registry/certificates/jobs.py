"""Batch jobs: a batch issuance run recorded in the database, started from a page or the CLI."""

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.certificates.batch import (
    DEFAULT_CHUNK_SIZE,
    has_pending_certificates,
    issue_batch,
    pending_certificate_ids,
)
from registry.certificates.models import BatchJob
from registry.certificates.rendering import public_base_url
from registry.config import PROJECT_ROOT
from registry.database import utcnow
from registry.enums import BatchJobStatus
from registry.extensions import db

# A running job commits (and beats) after every chunk, within a second or two; one that
# has been silent this long has died (killed, machine restarted) and no longer blocks. A job
# whose process is gone from this host is known dead at once.
STALE_AFTER = timedelta(minutes=10)
OPEN_STATUSES = (BatchJobStatus.QUEUED, BatchJobStatus.RUNNING)


class BatchJobError(Exception):
    """A batch job cannot be started or run; the message is for the user."""


def _process_gone(pid):
    """Whether no process `pid` runs on this host (a killed one not yet reaped is gone)."""
    if Path("/proc/self/stat").exists():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        return state in ("Z", "X")  # zombie or dead: killed, waiting for its parent
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def is_stalled(job, now=None):
    if job.status not in OPEN_STATUSES:
        return False
    running_here = job.status == BatchJobStatus.RUNNING and job.host == socket.gethostname()
    if running_here and job.pid and _process_gone(job.pid):
        return True
    last = job.heartbeat_at or job.started_at or job.created_at
    return (now or utcnow()) - last > STALE_AFTER


def active_job():
    """The open job that is still alive, if any."""
    jobs = db.session.scalars(
        sa.select(BatchJob).where(BatchJob.status.in_(OPEN_STATUSES)).order_by(BatchJob.id)
    )
    return next((job for job in jobs if not is_stalled(job)), None)


def create_job(*, actor=None, course_code=None, expert_ids=None):
    """Queue a batch job for a cohort (or for every pending certificate); flushed."""
    running = active_job()
    if running is not None:
        raise BatchJobError(
            _l(
                "Batch job %(id)s is still in progress; wait for it to finish.",
                id=running.id,
            )
        )
    if not has_pending_certificates(course_code=course_code, expert_ids=expert_ids):
        raise BatchJobError(
            _l("Nothing to issue: every certificate of this cohort is already issued.")
            if course_code or expert_ids
            else _l("Nothing to issue: every certificate decided is already issued.")
        )
    job = BatchJob(
        status=BatchJobStatus.QUEUED,
        course_code=course_code or None,
        expert_ids=sorted(expert_ids) if expert_ids else None,
        failures=[],
        started_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    db.session.flush()
    record_event(
        "certificate.batch_queued",
        actor=actor,
        object_type="batch_job",
        object_id=job.id,
        details={"course": job.course_code, "expert_ids": job.expert_ids},
    )
    return job


def run_job(job_id, *, workers=1, chunk_size=DEFAULT_CHUNK_SIZE, on_start=None, on_progress=None):
    """Claim a queued job, issue its cohort chunk by chunk, and close it; returns the summary."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(BatchJob)
        .where(BatchJob.id == job_id, BatchJob.status == BatchJobStatus.QUEUED)
        .values(
            status=BatchJobStatus.RUNNING,
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=now,
            heartbeat_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise BatchJobError(_l("Batch job %(id)s is not waiting to run.", id=job_id))
    job = db.session.get(BatchJob, job_id)
    ids = pending_certificate_ids(course_code=job.course_code, expert_ids=job.expert_ids)
    job.total = len(ids)
    db.session.commit()
    if on_start:
        on_start(len(ids))
    try:
        summary = issue_batch(
            ids,
            workers=workers,
            chunk_size=chunk_size,
            actor=job.started_by,
            job=job,
            on_progress=on_progress,
        )
    except BaseException as exc:
        db.session.rollback()
        reason = (
            "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
        )
        _close(db.session.get(BatchJob, job_id), BatchJobStatus.FAILED, reason)
        db.session.commit()
        raise
    _close(job, BatchJobStatus.FINISHED, None)
    db.session.commit()
    return summary


def _close(job, status, message):
    job.status = status
    job.message = message
    job.finished_at = utcnow()
    record_event(
        "certificate.batch_finished"
        if status == BatchJobStatus.FINISHED
        else "certificate.batch_failed",
        actor=job.started_by,
        object_type="batch_job",
        object_id=job.id,
        details={"total": job.total, "done": job.done, "failed": job.failed, "message": message},
    )


def launch_job(job):
    """Start `registry issue-batch --job ID` as a detached background process.

    The launcher detaches it (new session, reparented to init), so no web worker waits
    for it or is left with a zombie. Its output goes to <REGISTRY_BATCH_LOG_DIR>/<id>.log
    (instance/batch-jobs/ by default).
    """
    config = current_app.config
    log_dir = Path(
        config.get("REGISTRY_BATCH_LOG_DIR") or Path(current_app.instance_path) / "batch-jobs"
    )
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "REGISTRY_ENV": config["REGISTRY_ENV"],
        "REGISTRY_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_CERTIFICATES_DIR": str(config["REGISTRY_CERTIFICATES_DIR"]),
        # The detached worker has no request: hand it the address derived from this one.
        "REGISTRY_PUBLIC_URL": public_base_url(),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "registry", "issue-batch"]
    command += ["--job", str(job.id)]
    detach = "import subprocess, sys; subprocess.Popen(sys.argv[1:], start_new_session=True)"
    with open(log_dir / f"{job.id}.log", "ab") as log:
        subprocess.run(  # noqa: S603  (fixed command: this interpreter, our own CLI)
            [sys.executable, "-c", detach, *command],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=30,
        )
