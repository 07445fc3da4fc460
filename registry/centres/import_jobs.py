"""Imports too big for a request: the file is stored, a task imports it, a page follows it.

An upload above REGISTRY_IMPORT_BACKGROUND_ROWS rows becomes an ImportJob: the file is
kept under instance/imports/ and the worker imports it with the same importer as a small
file (all or nothing, the same file twice changes nothing). The job row is what the job's
page reads: queued, running, then done with the counts or failed with the errors by row
and column. A worker killed midway rolled its import back with it; the job is still
`running`, is put back on the queue at the worker's restart and starts again. An
unexpected error in the importer rolls the import back too and ends the job as failed,
with a message that says so (the same file may be imported again). When the job ends,
its starter is told through the outbox, keyed by the job: once.

Progress (the phase, and rows done in it) cannot live in the job's row: the import is one
transaction, which on SQLite holds the only write lock until it commits. It is kept in the
task queue's own storage instead (`progress`), which the page reads while the job runs.
"""

import logging
import time
import uuid
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.audit.service import record_event
from registry.auth.models import User
from registry.centres.imports import ImportOutcome, RowError
from registry.centres.imports.files import FileProblem, read_within_limits
from registry.database import UTCDateTime, utcnow
from registry.extensions import db
from registry.mail.outbox import queue_message, recipient_locale
from registry.tasks import huey

log = logging.getLogger(__name__)

ENROLMENTS = "enrolments"
RESULTS = "results"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
OPEN = (QUEUED, RUNNING)
DEFAULT_BACKGROUND_ROWS = 300
# The phases of a running job: reading the file, then the enrolment importer reports
# "checking" and "writing" with the rows done; the results importer does both at once.
READING, CHECKING, WRITING, IMPORTING = "reading", "checking", "writing", "importing"
PROGRESS_EVERY = 1.0  # seconds between two writes of a running job's progress


class ImportJob(db.Model):
    __tablename__ = "import_jobs"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('enrolments', 'results')", name="kind_known"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("training_centres.id"), index=True)
    exam_session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exam_sessions.id"))
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(100))  # under instance/imports/
    status: Mapped[str] = mapped_column(sa.String(20), default=QUEUED, index=True)
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    trained: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    # [{"row": n or None, "column": label or None, "message": text}] when failed.
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    centre = relationship("TrainingCentre")
    exam_session = relationship("ExamSession")
    started_by = relationship("User")

    @property
    def finished(self):
        return self.status in (DONE, FAILED)


def background_rows():
    """Files with more data rows than this are imported by the worker."""
    return current_app.config.get("REGISTRY_IMPORT_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS)


def _directory():
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_job(kind, *, centre, data, filename, rows, actor, exam_session=None):
    """Store the uploaded bytes and record a queued job (flushed); the caller commits and
    then queues the task (registry.tasks.jobs.run_import_job)."""
    suffix = ".xlsx" if (filename or "").lower().endswith(".xlsx") else ".csv"
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    (_directory() / stored_name).write_bytes(data)
    job = ImportJob(
        kind=kind,
        centre_id=centre.id,
        exam_session_id=exam_session.id if exam_session is not None else None,
        started_by_id=actor.id,
        filename=(filename or stored_name)[:255],
        stored_name=stored_name,
        rows=rows,
        status=QUEUED,
    )
    db.session.add(job)
    db.session.flush()
    record_event(
        "imports.queued",
        actor=actor,
        object_type="import_job",
        object_id=job.id,
        details={"kind": kind, "centre": centre.code, "source": filename, "rows": rows},
    )
    return job


def open_import_job_ids():
    """Jobs not finished: queued, or running when a worker was killed."""
    return list(db.session.scalars(sa.select(ImportJob.id).where(ImportJob.status.in_(OPEN))))


def unexpected_error(job_id):
    return _l(
        "The import stopped on an unexpected error, so nothing was imported. Import the file"
        " again; if the error comes back, tell the registry's administrators (background"
        " import %(id)s).",
        id=job_id,
    )


def _progress_key(job_id):
    return f"import-job-{job_id}-progress"


def progress(job):
    """{"phase", "done"} of a running job: the phase it is in and the rows done in it."""
    if job.status != RUNNING:
        return None
    return huey.get(_progress_key(job.id), peek=True) or {"phase": READING, "done": None}


class _Progress:
    """The importer's `on_progress(phase, done)`: written at most every PROGRESS_EVERY
    seconds, and at each new phase."""

    def __init__(self, job_id):
        self.key, self.phase, self.written = _progress_key(job_id), None, 0.0

    def __call__(self, phase, done):
        now = time.monotonic()
        if phase != self.phase or now - self.written >= PROGRESS_EVERY:
            huey.put(self.key, {"phase": phase, "done": done})
            self.phase, self.written = phase, now


def _import(job, actor, on_progress):
    """Read the job's file and import it with the importer of its kind, as for a small file."""
    from registry.centres.imports import enrolments
    from registry.exams import imports as results

    on_progress(READING, None)
    columns = results.COLUMNS if job.kind == RESULTS else enrolments.COLUMNS
    try:
        data = (_directory() / job.stored_name).read_bytes()
        # No request waits here: the worker may read for longer than a page would.
        rows, errors = read_within_limits(data, job.filename, columns, patience=10)
    except FileProblem as exc:
        return ImportOutcome(errors=[RowError(None, None, exc.message)])
    if errors:
        return ImportOutcome(rows=len(rows), errors=errors)
    if job.kind == RESULTS:
        on_progress(IMPORTING, None)  # checked and written in one step: no count
        return results.import_results(job.exam_session, rows, actor=actor, source=job.filename)
    return enrolments.import_enrolments(
        job.centre, rows, actor=actor, source=job.filename, on_progress=on_progress
    )


def _error_list(outcome, locale):
    with force_locale(locale):
        return [
            {
                "row": e.row,
                "column": str(e.column.label) if e.column else None,
                "message": str(e.message),
            }
            for e in outcome.sorted_errors()
        ]


def run_job(job_id):
    """Import the job's file: all rows or none; returns the job, or None when it was
    already finished (a second run changes nothing)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.finished:
        return None
    job.status, job.started_at, job.attempts = RUNNING, utcnow(), job.attempts + 1
    db.session.commit()  # the page shows it running

    actor = db.session.get(User, job.started_by_id)
    try:
        outcome = _import(job, actor, _Progress(job_id))
    except Exception:  # a fault of the registry's, not of the file: the job must still end
        log.exception("background import %s stopped on an unexpected error", job_id)
        outcome = ImportOutcome(errors=[RowError(None, None, unexpected_error(job_id))])
    if outcome.ok:
        job.status = DONE
        for name in ("rows", "created", "updated", "unchanged", "trained"):
            setattr(job, name, getattr(outcome, name))
    else:
        db.session.rollback()  # all or nothing: drop whatever the importer had written
        job = db.session.get(ImportJob, job_id)
        actor = db.session.get(User, job.started_by_id)
        job.status = FAILED
        job.rows = outcome.rows or job.rows
        job.errors = _error_list(outcome, recipient_locale(actor))
    job.finished_at = utcnow()
    _tell_starter(job, actor)
    db.session.commit()  # the import, the job's result and the message together
    (_directory() / job.stored_name).unlink(missing_ok=True)
    huey.delete(_progress_key(job_id))
    return job


def _tell_starter(job, actor):
    with current_app.test_request_context():  # url_for outside a request
        link = url_for("centres.import_job", code=job.centre.code, import_job_id=job.id)
    queue_message(
        f"import_finished:import_job:{job.id}",
        "import_finished",
        to_address=actor.email,
        recipient=actor,
        job=job,
        link=link,
    )
