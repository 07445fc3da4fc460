"""Batch jobs: a batch issuance run recorded in the database, run by the task queue.

The page (or the CLI) creates the job and puts `run_batch_job` on the queue; the worker
runs it chunk by chunk, each chunk committed with the job's counts, so the page shows what
the database holds. A worker killed midway puts the job back on the queue when it starts
again (registry/tasks/jobs.py); the re-run continues with the certificates still pending.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.certificates.batch import (
    DEFAULT_CHUNK_SIZE,
    has_pending_certificates,
    issue_batch,
    pending_certificate_ids,
)
from registry.certificates.models import BatchJob
from registry.database import utcnow
from registry.enums import BatchJobStatus
from registry.extensions import db

OPEN_STATUSES = (BatchJobStatus.QUEUED, BatchJobStatus.RUNNING)
# Oldest first: the jobs not yet closed.
OPEN_JOBS = sa.select(BatchJob).where(BatchJob.status.in_(OPEN_STATUSES)).order_by(BatchJob.id)


class BatchJobError(Exception):
    """A batch job cannot be started or run; the message is for the user."""


def active_job():
    """The open job (queued, or running or interrupted and waiting to resume), if any."""
    return db.session.scalar(OPEN_JOBS)


def open_job_ids():
    """Ids of the jobs not yet closed, for the worker to resume after a restart."""
    return list(db.session.scalars(OPEN_JOBS.with_only_columns(BatchJob.id)))


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
    """Run an open job (queued, or interrupted while running) to its end; returns the summary.

    A resumed job keeps its total and the counts of the chunks already committed, and
    issues only the certificates still pending, so nothing is counted or issued twice.
    """
    job = db.session.get(BatchJob, job_id)
    if job is None or job.status not in OPEN_STATUSES:
        db.session.rollback()
        raise BatchJobError(_l("Batch job %(id)s is not waiting to run.", id=job_id))
    ids = pending_certificate_ids(course_code=job.course_code, expert_ids=job.expert_ids)
    if job.status == BatchJobStatus.QUEUED:
        job.status = BatchJobStatus.RUNNING
        job.started_at = job.heartbeat_at = utcnow()
        job.total = len(ids)
    else:  # resumed: the cohort may have grown meanwhile; the total covers both
        job.total = max(job.total, job.done + job.failed + len(ids))
        job.failed = 0  # failures are retried: they were left pending
        job.failures = []
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
