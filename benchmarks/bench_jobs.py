"""Benchmark: issue 14's check at full size, timed (tests/test_faults_big_jobs.py runs it small).

A 20,000-row completion import (each row moves an applicant to `trained`) and a batch
issuance of 1,000 certificates are queued while no worker runs; the real worker
(`registry worker`, one thread) takes them, is killed with SIGKILL in the middle of the
batch and again in the middle of the import's writing, and is started again each time
(tests/big_jobs.py). It checks that everything completed with nothing doubled, then prints
the time of each stage, the progress the import showed, and the import's rows/s measured
on the job's own run (its start to its end, in the worker).

    make bench        # SQLite; PostgreSQL too when REGISTRY_BENCH_DATABASE_URL is set
    .venv/bin/python benchmarks/bench_jobs.py [--rows N] [--certificates N]

REGISTRY_BENCH_DATABASE_URL names a PostgreSQL database that is EMPTIED first.
"""

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The worker and this process must share the task queue's storage (the import's progress
# is kept there): chosen before the registry is imported.
WORK = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
os.environ["REGISTRY_TASKS_DATABASE"] = str(WORK / "tasks.sqlite3")

import flask_migrate  # noqa: E402
from bench_import import empty_database  # noqa: E402

from registry.centres.import_jobs import ImportJob, progress  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.tasks import huey  # noqa: E402
from tests.big_jobs import counts, queue_jobs, run_with_kills  # noqa: E402
from tests.conftest import make_app  # noqa: E402


def run(url, directory, rows, certificates):
    directory.mkdir(parents=True)
    app = make_app(url, directory, REGISTRY_TASKS_IMMEDIATE=False)
    huey.flush()  # nothing left from another database's run
    with app.app_context():
        logging.disable(logging.INFO)  # the migration's progress lines
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
    started = time.monotonic()
    jobs = queue_jobs(app, rows, certificates)
    prepared = time.monotonic() - started

    def look_at_import():
        with app.app_context():
            shown = progress(db.session.get(ImportJob, jobs.import_job_id))
            db.session.remove()
        return shown and (shown["phase"], shown["done"])

    timings = run_with_kills(app, WORK, jobs, look_at_import)  # the queue in WORK
    with app.app_context():
        after = counts()
        job = db.session.get(ImportJob, jobs.import_job_id)
        seconds = (job.finished_at - job.started_at).total_seconds()
        db.session.remove()
        db.engine.dispose()
    added = {name: after[name] - jobs.before[name] for name in after}
    expected = dict.fromkeys(
        ("trained experts", "enrolments", "status changes", "experts with a change"), rows
    )
    expected.update(
        {
            "transition events": rows,
            "trained messages": rows,
            "import events": 1,
            "import messages": 1,
            "certificates issued": certificates,
            "archived events": certificates,
            "certificates archived": certificates,
        }
    )
    wrong = {k: (added[k], v) for k, v in expected.items() if added[k] != v}
    assert not wrong, f"doubled or missing (found, expected): {wrong}"

    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"bench_jobs on {backend}: {rows:,}-row completion import and {certificates:,}"
        " certificates, worker killed twice; nothing doubled"
    )
    print(f"  {'queueing (test data, files)':<42}{prepared:7.1f} s")
    for stage, elapsed in timings.items():
        print(f"  {stage:<42}{elapsed:7.1f} s")
    print(f"  progress shown: {jobs.seen}")
    print(
        f"  completion import in the worker: {seconds:.1f} s, {rows / seconds:,.0f} rows/s"
        " (started to finished, the re-run after the kill)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--certificates", type=int, default=1_000)
    args = parser.parse_args()
    try:
        sqlite = WORK / "sqlite"
        run(f"sqlite:///{sqlite / 'bench.sqlite3'}", sqlite, args.rows, args.certificates)
        url = os.environ.get("REGISTRY_BENCH_DATABASE_URL")
        if url:
            empty_database(url)
            run(url, WORK / "postgresql", args.rows, args.certificates)
        else:
            print("  PostgreSQL not measured: set REGISTRY_BENCH_DATABASE_URL (it is emptied).")
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
