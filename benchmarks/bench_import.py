"""Benchmark: importing 10,000 exam results (issue 3 asks for well under a minute).

Builds a temporary SQLite database through the migrations, with a centre, its examiner,
exam sessions and 10,000 experts, then times a 10,000-row results import from CSV and
from XLSX (reading the file, validating every row, writing, committing): the median of
3 runs each, every run into a fresh session. Also times re-importing the same file (all
rows unchanged).

The completions are timed apart: 3,000 rows each moving an applicant to `trained`, in
rows per second (wall clock) and in CPU milliseconds per row (this process's CPU time,
which a loaded machine moves less than the wall clock).

    make bench        # SQLite; PostgreSQL too when REGISTRY_BENCH_DATABASE_URL is set
    .venv/bin/python benchmarks/bench_import.py [--database-url URL-of-an-EMPTY-database]
    .venv/bin/python benchmarks/bench_import.py --profile 5000   # cProfile, CPU time

REGISTRY_BENCH_DATABASE_URL names a PostgreSQL database that is EMPTIED first.
"""

import argparse
import cProfile
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import sqlalchemy as sa

from registry import create_app
from registry.centres.imports.enrolments import COLUMNS as ENROLMENT_COLUMNS
from registry.centres.imports.enrolments import import_enrolments
from registry.centres.imports.files import read_table
from registry.centres.models import Course, Topic
from registry.enums import CourseLevel
from registry.exams.imports import COLUMNS, import_results
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import Expert
from registry.extensions import db
from tests.factories import (
    CentreFactory,
    CourseFactory,
    bulk_experts,
    csv_file,
    staff_of,
    xlsx_file,
)

ROWS = 10_000
RUNS = 3
HEADER = ["Email (Email)", "Họ và tên (Full name)", "Điểm (Score)"]
# Completions that each move an applicant to `trained` (the same guard per row, the
# writes in bulk: lifecycle.transition_many), timed separately.
COMPLETIONS = 3_000


def build(count):
    """A centre, its examiner, and `count` experts on the roster of the course examined."""
    centre = CentreFactory(code="BENCH")
    examiner = staff_of(centre)
    course = CourseFactory(centre=centre, code="EXAM", capacity=count)
    emails = bulk_experts(count, prefix="bench", course=course)
    db.session.commit()
    return centre, examiner, emails


def new_session(centre, examiner):
    exam_session = ExamSession(
        centre=centre,
        course=db.session.scalar(sa.select(Course).where(Course.code == "EXAM")),
        held_on=date.today() - timedelta(days=30),
        examiner=examiner,
        pass_mark=50,
        max_score=100,
    )
    db.session.add(exam_session)
    db.session.commit()
    return exam_session


def timed_import(data, filename, exam_session, examiner, expect_created):
    started = time.perf_counter()
    rows, errors = read_table(data, filename, COLUMNS, max_rows=20_000)
    assert not errors, errors
    outcome = import_results(exam_session, rows, actor=examiner, source=filename)
    assert outcome.ok, outcome.errors[:5]
    db.session.commit()
    elapsed = time.perf_counter() - started
    assert outcome.created == expect_created, outcome
    return elapsed


def time_completions(centre, staff, emails, *, count=COMPLETIONS, runs=RUNS, profiler=None):
    """Median of `runs` imports of `count` completions, each of other applicants; under
    `profiler` (a cProfile.Profile) when given."""
    header = [c.header for c in ENROLMENT_COLUMNS]
    programme = db.session.scalar(sa.select(Topic).where(Topic.code == "pq_expert_basic"))
    times, cpu = [], []
    for run_number in range(runs):
        course = Course(
            centre=centre,
            topic=programme,
            code=f"CG-{run_number}",
            title="Chương trình đào tạo chuyên gia năng suất chất lượng",
            level=CourseLevel.BASIC,
            starts_on=date.today() - timedelta(days=60),
            ends_on=date.today() - timedelta(days=20),
            hours=120,
            capacity=count,
        )
        db.session.add(course)
        db.session.commit()
        ends = course.ends_on.strftime("%d/%m/%Y")
        chosen = emails[run_number * count : (run_number + 1) * count]
        born = dict(
            db.session.execute(
                sa.select(Expert.email, Expert.date_of_birth).where(Expert.email.in_(chosen))
            ).all()
        )
        rows = [
            [course.code, email, "", born[email].strftime("%d/%m/%Y"), "110", "có", ends]
            for email in chosen
        ]
        data = csv_file(header, rows, bom=True)
        started, started_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        table, errors = read_table(data, "ghi-danh.csv", ENROLMENT_COLUMNS, max_rows=20_000)
        assert not errors, errors
        outcome = import_enrolments(centre, table, actor=staff)
        assert outcome.ok and outcome.created == count, outcome.errors[:5]
        db.session.commit()
        if profiler:
            profiler.disable()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert outcome.trained == count, outcome.trained
    return statistics.median(times), statistics.median(cpu)


def profile(url, count):
    """One completion import of `count` rows under cProfile, in CPU time: the functions
    that take the most, cumulated."""
    app = create_app(
        {"REGISTRY_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None}
    )
    with app.app_context():
        logging.disable(logging.INFO)
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
        centre, staff, emails = build(count)
        profiler = cProfile.Profile(time.process_time)
        seconds, cpu = time_completions(
            centre, staff, emails, count=count, runs=1, profiler=profiler
        )
        db.session.remove()
        db.engine.dispose()
    print(f"{count:,} completions under cProfile: {cpu:.2f} s CPU ({seconds:.2f} s wall)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def run(url):
    app = create_app(
        {"REGISTRY_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None}
    )
    with app.app_context():
        if sa.inspect(db.engine).get_table_names():
            sys.exit(f"{url} is not empty: the benchmark needs an empty database.")
        logging.disable(logging.INFO)  # the migration's progress lines
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
        centre, examiner, emails = build(ROWS)
        rows = [[email, "", str(i % 101)] for i, email in enumerate(emails)]
        files = {
            "CSV": (csv_file(HEADER, rows, bom=True), "ket-qua.csv"),
            "XLSX": (xlsx_file(HEADER, rows), "ket-qua.xlsx"),
        }
        figures = {}
        for kind, (data, filename) in files.items():
            times = []
            for _ in range(RUNS):
                exam_session = new_session(centre, examiner)
                times.append(timed_import(data, filename, exam_session, examiner, ROWS))
            figures[kind] = statistics.median(times)
        again = [
            timed_import(*files["CSV"], exam_session, examiner, expect_created=0)
            for _ in range(RUNS)
        ]
        figures["CSV again (all unchanged)"] = statistics.median(again)
        total = db.session.scalar(sa.select(sa.func.count(ExamResult.id)))
        assert total == ROWS * RUNS * 2, total
        completions, completions_cpu = time_completions(centre, examiner, emails)
        db.session.remove()
        db.engine.dispose()
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(f"bench_import: {ROWS:,}-row exam results import on {backend}, median of {RUNS} runs")
    for kind, seconds in figures.items():
        print(f"  {kind:<30} {seconds:6.2f} s  ({ROWS / seconds:,.0f} rows/s)")
    print(
        f"  completion import ({COMPLETIONS:,} rows -> trained) on {backend}: "
        f"{completions:.2f} s, {COMPLETIONS / completions:,.0f} rows/s, "
        f"{1000 * completions_cpu / COMPLETIONS:.2f} ms CPU per row"
    )


def empty_database(url):
    """Drop everything in the PostgreSQL database at `url` (a benchmark's own database)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument(
        "--profile", type=int, metavar="ROWS", help="profile one completion import of ROWS rows"
    )
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            profile(args.database_url or f"sqlite:///{tmp}/bench.sqlite3", args.profile)
        return
    if args.database_url:
        run(args.database_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3")
    url = os.environ.get("REGISTRY_BENCH_DATABASE_URL")
    if url:
        empty_database(url)
        run(url)
    else:
        print("  PostgreSQL not measured: set REGISTRY_BENCH_DATABASE_URL (it is emptied).")


if __name__ == "__main__":
    main()
