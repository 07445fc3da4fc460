"""Batch issuance: render every decided but unissued certificate (sha256 NULL) in processes.

Worker processes only turn printed fields into PDF bytes (reportlab is not thread-safe,
and rendering is the CPU-bound part). The parent writes each file into the archive and
commits the database in small chunks, so an interrupted run leaves whole chunks done and
the rest pending: a re-run picks up exactly the certificates still without a hash; a file
written just before a crash is left alone (and reported unclaimed by `verify-archive`).
"""

import multiprocessing
import os
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import islice

import sqlalchemy as sa
from flask import current_app

from registry.audit.service import record_event
from registry.centres.models import Course, Enrolment
from registry.certificates.archive import (
    ArchiveError,
    archive_root,
    store_certificate_pdf,
    sync_directory,
)
from registry.certificates.models import Certificate
from registry.certificates.rendering import (
    credential_text,
    pdf_sealer,
    printed_fields,
    public_base_url,
    renderer,
)
from registry.certificates.signing import install_sealer, sealer, signing_material, use_sealer
from registry.database import utcnow
from registry.extensions import db
from registry.text import clean_text

DEFAULT_CHUNK_SIZE = 20
MAX_RECORDED_FAILURES = 200


@dataclass
class Failure:
    expert_id: int
    holder_name: str
    number: str
    error: str


@dataclass
class BatchSummary:
    archived: int = 0  # rendered and archived by this run
    already: int = 0  # archived by someone else while this run went on
    failures: list = field(default_factory=list)


@dataclass
class _Pending:
    """What the parent remembers about a certificate while a worker renders it."""

    number: str
    year: int
    expert_id: int
    holder_name: str


def available_cpus():
    """The CPUs this process may run on (what `taskset` or a container allows)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return multiprocessing.cpu_count()


def pending_certificate_ids(*, course_code=None, expert_ids=None):
    """Ids of certificates decided but not yet rendered, optionally for a cohort."""
    return list(db.session.scalars(_pending(course_code, expert_ids)))


def has_pending_certificates(*, course_code=None, expert_ids=None):
    """Whether a batch for this cohort (or for all) would have anything to issue."""
    return db.session.scalar(_pending(course_code, expert_ids).limit(1)) is not None


def _pending(course_code, expert_ids):
    query = sa.select(Certificate.id).where(Certificate.sha256.is_(None)).order_by(Certificate.id)
    if course_code:
        cohort = (
            sa.select(Enrolment.expert_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Course.code == clean_text(course_code))
        )
        query = query.where(Certificate.expert_id.in_(cohort))
    if expert_ids:
        query = query.where(Certificate.expert_id.in_(list(expert_ids)))
    return query


def render_chunk(items):
    """In a worker: [(id, PrintedCertificate, credential)] -> [(id, pdf bytes, error)].

    Each PDF is signed with the credential attached (registry.certificates.signing)."""
    pdf, seal = renderer(), sealer()
    results = []
    for certificate_id, printed, credential in items:
        try:
            data = seal.seal(pdf.render(printed), number=printed.number, credential=credential)
        # One bad name must not stop the cohort: the error goes into the summary.
        except Exception as exc:
            results.append((certificate_id, None, f"{type(exc).__name__}: {exc}"))
        else:
            results.append((certificate_id, data, None))
    return results


def _process_context():
    # fork is fastest (workers inherit the loaded fonts) and safe here: workers never use
    # the database and leave with os._exit. Forking a multi-threaded process is not safe,
    # so then the workers start afresh.
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class _Run:
    def __init__(self, *, actor, job, on_progress):
        self.summary = BatchSummary()
        self.actor = actor
        self.job = job
        self.on_progress = on_progress or (lambda _n: None)
        self.root = archive_root()
        self.base_url = public_base_url()
        self.pending = {}
        # Started lazily, after the worker processes have been forked.
        self.writer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="archive-writer")

    def prepare(self, chunk):
        """Load a chunk's printed fields; certificates archived meanwhile are skipped."""
        certificates = db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.id.in_(chunk), Certificate.sha256.is_(None))
            .order_by(Certificate.id)
        ).all()
        items = []
        for certificate in certificates:
            self.pending[certificate.id] = _Pending(
                certificate.number, certificate.year, certificate.expert_id, certificate.holder_name
            )
            printed = printed_fields(certificate, self.base_url)
            items.append((certificate.id, printed, credential_text(certificate)))
        return items, len(chunk) - len(items)

    def _store(self, result):
        """Write one rendered PDF into the archive: (id, error, sha256, relative path)."""
        certificate_id, data, error = result
        if error is not None:
            return certificate_id, error, None, None
        info = self.pending[certificate_id]
        try:
            digest, relpath, _created = store_certificate_pdf(
                info.number, info.year, data, root=self.root, sync_dir=False
            )
        except (ArchiveError, OSError) as exc:
            return certificate_id, f"{type(exc).__name__}: {exc}", None, None
        return certificate_id, None, digest, relpath

    def commit(self, results, skipped):
        """Archive a chunk's files, then record them, and commit: all of the chunk or none."""
        summary, failures, directories = self.summary, [], set()
        summary.already += skipped
        # The writes overlap in threads: each fsync waits on the disk, not on the CPU.
        for certificate_id, error, digest, relpath in self.writer.map(self._store, results):
            info = self.pending.pop(certificate_id)
            if error is not None:
                failures.append(Failure(info.expert_id, info.holder_name, info.number, error))
                record_event(
                    "certificate.render_failed",
                    actor=self.actor,
                    object_type="certificate",
                    object_id=certificate_id,
                    details={"number": info.number, "error": error},
                )
                continue
            directories.add((self.root / relpath).parent)
            if self._mark_archived(certificate_id, info, digest, relpath):
                summary.archived += 1
            else:
                summary.already += 1
        for directory in directories:
            sync_directory(directory)
        summary.failures.extend(failures)
        processed = len(results) + skipped
        job = self.job
        if job is not None:
            job.done += processed - len(failures)
            job.failed += len(failures)
            room = MAX_RECORDED_FAILURES - len(job.failures or [])
            if failures and room > 0:
                job.failures = [*(job.failures or []), *(asdict(f) for f in failures[:room])]
            job.heartbeat_at = utcnow()
        db.session.commit()
        self.on_progress(processed)

    def _mark_archived(self, certificate_id, info, digest, relpath):
        # Conditional: a concurrent run may have archived this certificate first.
        updated = db.session.execute(
            sa.update(Certificate)
            .where(Certificate.id == certificate_id, Certificate.sha256.is_(None))
            .values(sha256=digest, archive_path=relpath)
            .execution_options(synchronize_session=False)
        ).rowcount
        if updated:
            details = {"number": info.number, "sha256": digest, "path": relpath}
            if self.job is not None:
                details["batch_job"] = self.job.id
            record_event(
                "certificate.archived",
                actor=self.actor,
                object_type="certificate",
                object_id=certificate_id,
                details=details,
            )
        return bool(updated)


def issue_batch(
    certificate_ids,
    *,
    workers=1,
    chunk_size=DEFAULT_CHUNK_SIZE,
    actor=None,
    job=None,
    on_progress=None,
):
    """Render and archive the given certificates; returns a BatchSummary.

    With one worker everything happens in this process; with more, workers render while
    this process writes files and commits each chunk as soon as it comes back.
    """
    ids = list(certificate_ids)
    run = _Run(actor=actor, job=job, on_progress=on_progress)
    use_sealer(pdf_sealer())  # render_chunk signs with it when it runs in this process
    chunks = iter([ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)])
    try:
        if workers <= 1:
            for chunk in chunks:
                items, skipped = run.prepare(chunk)
                run.commit(render_chunk(items), skipped)
        else:
            _run_in_pool(run, chunks, workers)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        run.writer.shutdown(wait=True)
    return run.summary


def _run_in_pool(run, chunks, workers):
    renderer()  # fonts loaded once, here: forked workers share them instead of each loading
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_process_context(),
        initializer=install_sealer,
        initargs=signing_material(current_app._get_current_object()),
    )
    try:
        in_flight = deque()

        def submit(chunk):
            items, skipped = run.prepare(chunk)
            in_flight.append((pool.submit(render_chunk, items), skipped))

        # Three chunks per worker in flight: workers keep busy even when this process is
        # slow to come back (a busy machine, a slow disk), and memory stays bounded.
        for chunk in islice(chunks, 3 * workers):
            submit(chunk)
        while in_flight:
            future, skipped = in_flight.popleft()
            results = future.result()
            next_chunk = next(chunks, None)
            if next_chunk is not None:
                submit(next_chunk)
            run.commit(results, skipped)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
