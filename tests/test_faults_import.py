"""Faults: a centre's bulk import killed with SIGKILL in the middle leaves no half-written
state, and importing the same file again records every row exactly once.

Both imports of SPEC §4 go through their real page, posted by the right user, in processes
separate from the test's, on a real SQLite file: an exam session's results (thousands of
scores, by the session's examiner) and a course's enrolments with completions (each of
which also moves an applicant to `trained`, by the centre's staff). A full import first
gives the timeline of one (when it starts writing, commits, answers). Then imports of the
same file are killed: just before the commit, every row sent to the database; at fractions
of a full import's time and in the middle of its writing; and just after the first commit,
which must therefore hold the whole file. After each kill the database file is sound and
holds none of the file's rows or all of them, with nothing else half-done (statuses,
status changes, audit events), and the audit chain verifies. Every kill starts from the
database as it was before the import (restored when a run got through). The imports keep
no copy of the uploaded file, so no stored file can be left half-written or referenced
(checked: nothing appears under the uploads and certificates folders). Last, the same file
imported again by a fresh process is accepted and no row is recorded twice.

The processes are forked from one that built the app and signed in first, as gunicorn's
`--preload` does: each starts at once, so the kills fit in a few seconds.
"""

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from registry import create_app
from registry.audit.models import AuditEvent
from registry.audit.service import verify_chain
from registry.centres.models import Course, Enrolment
from registry.enums import ExpertStatus
from registry.exams.models import ExamResult
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from tests.factories import (
    TEST_PASSWORD,
    CentreFactory,
    CourseFactory,
    ExamSessionFactory,
    bulk_experts,
    csv_file,
    staff_of,
)

ROOT = Path(__file__).resolve().parent.parent
# Kills timed from the moment the file is posted, as fractions of a full import's time.
FRACTIONS = (0.3, 0.6)
CHILD_CONFIG = (
    "REGISTRY_ENV",
    "SQLALCHEMY_DATABASE_URI",
    "REGISTRY_CERTIFICATES_DIR",
    "REGISTRY_UPLOADS_DIR",
    "WTF_CSRF_ENABLED",
    "SERVER_NAME",
    "REGISTRY_LOGIN_RATE_LIMIT",
)


# --- in the subprocess ------------------------------------------------------------------


def serve(config, email, url, upload, table):
    """Build the app and sign in, then run one import per command on stdin, each in a fork.

    Commands: `run <progress file> <pause at>` forks a child, answers its pid; `wait`
    reaps it, answers its exit code. Until reaped the child keeps its pid, so the parent
    can SIGKILL it by that pid without hitting another process. No database connection
    crosses the fork: those of the sign-in are closed first.
    """
    app = create_app(json.loads(config))
    client = app.test_client()  # the user's browser: signed in once, then posting the file
    signed_in = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302, "sign-in failed"
    with app.app_context():
        db.engine.dispose()
    child = None
    for line in sys.stdin:
        command, *args = line.split()
        if command == "run":
            child = os.fork()
            if child == 0:
                code = 1
                try:
                    _import_once(app, client, url, upload, table, *args)
                    code = 0
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(code)
            print(child, flush=True)
        elif command == "wait":
            _pid, status = os.waitpid(child, 0)
            print(os.waitstatus_to_exitcode(status), flush=True)


def _import_once(app, client, url, upload, table, progress, pause_at):
    """Post the file to the import page, noting each step in `progress`.

    Notes, one a line with the seconds since the file was posted: `started`, `writing`
    (the first INSERT into `table` was sent), `committing` (the first commit after that
    is about to be sent), `committed` (it went through), `done <status>`. At the step
    named by `pause_at` the process waits to be killed.
    """
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stdout is the parent's channel)
    notes = open(progress, "a", buffering=1)  # noqa: SIM115 (open until the process dies)
    with app.app_context():
        engine = db.engine
    writing = []

    def note(step, *extra):
        notes.write(" ".join([step, f"{time.monotonic() - started:.3f}", *extra]) + "\n")

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not writing and statement.lstrip().startswith(f"INSERT INTO {table} "):
            writing.append(True)
            note("writing")

    def step(name):
        note(name)
        if name == pause_at:
            time.sleep(120)

    def commit(conn):  # a real commit, not the release of a SAVEPOINT
        if writing and not committing:
            committing.append(True)
            step("committing")

    def after_commit(session):
        if committing and not committed:
            committed.append(True)
            step("committed")

    committing, committed = [], []
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    event.listen(engine, "commit", commit)
    event.listen(db.session, "after_commit", after_commit)
    data = Path(upload).read_bytes()
    started = time.monotonic()
    note("started")
    response = client.post(
        url,
        data={"file": (io.BytesIO(data), Path(upload).name)},
        content_type="multipart/form-data",
    )
    note("done", str(response.status_code))


# --- in the test ------------------------------------------------------------------------


class Importer:
    """The preloaded process of serve(); it forks one child per import run."""

    def __init__(self, app, tmp_path, email, url, upload, table):
        config = json.dumps({key: app.config[key] for key in CHILD_CONFIG})
        code = "import sys; from tests.test_faults_import import serve; serve(*sys.argv[1:])"
        self.tmp_path, self.runs = tmp_path, 0
        self.stderr = tmp_path / "importer-stderr.txt"
        with self.stderr.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, config, email, url, str(upload), table],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.child = None

    def _ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the importer process died: {self.stderr.read_text()[-3000:]}"
        return int(answer)

    def run(self, *, pause_at="-"):
        """Start one import in a new child, to pause at that step (see _import_once)."""
        self.runs += 1
        self.progress = self.tmp_path / f"progress-{self.runs}.txt"
        self.child = self._ask(f"run {self.progress} {pause_at}")
        return self

    def notes(self):
        text = self.progress.read_text() if self.progress.exists() else ""
        return {line.split()[0]: line.split()[1:] for line in text.splitlines() if line}

    def wait_for(self, step, timeout=60):
        deadline = time.monotonic() + timeout
        while step not in (notes := self.notes()):
            assert "done" not in notes, f"the import ended before '{step}': {notes}"
            assert time.monotonic() < deadline, f"no '{step}' in time: {self.details()}"
            time.sleep(0.002)  # a short poll: kills are timed from these moments

    def kill(self):
        """SIGKILL the child; False if it had finished its import on its own."""
        os.kill(self.child, signal.SIGKILL)  # ours and not yet reaped: the pid is still its
        code = self.reap()
        assert code in (0, -signal.SIGKILL), self.details()
        assert code == -signal.SIGKILL or "done" in self.notes(), self.details()
        return "done" not in self.notes()

    def reap(self):
        code, self.child = self._ask("wait"), None
        return code

    def details(self):
        return f"notes {self.notes()}, stderr:\n{self.stderr.read_text()[-3000:]}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.child is not None and self.process.poll() is None:
            os.kill(self.child, signal.SIGKILL)
            self._ask("wait")
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()


# --- the two imports --------------------------------------------------------------------


def _import_totals(action):
    """How many rows the import events of `action` say were added, and how many trained."""
    created = trained = 0
    for details in db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == action)
    ):
        created += details["created"]
        trained += details.get("trained", 0)
    return created, trained


def _results_setup(app, rows):
    with app.app_context():
        exam_session = ExamSessionFactory(held_on=date(2026, 4, 20), max_score=100)
        emails = bulk_experts(rows, course=exam_session.course)
        db.session.commit()
        names = dict(db.session.execute(sa.select(Expert.email, Expert.full_name)).all())
        lines = [[e, names[e], (i * 7) % 101] for i, e in enumerate(emails)]
        url = f"/centres/{exam_session.centre.code}/exams/{exam_session.id}/import"
        return exam_session.examiner.email, url, lines


def _results_state():
    rows = db.session.execute(
        sa.select(Expert.email, Expert.full_name, ExamResult.score).join(
            ExamResult, ExamResult.expert_id == Expert.id
        )
    ).all()
    created, _trained = _import_totals("exam_results.imported")
    return {"rows": {tuple(row) for row in rows}, "added by import events": created}


def _enrolments_setup(app, rows):
    with app.app_context():
        centre = CentreFactory()
        CourseFactory(centre=centre, code="CG-2026", capacity=rows)  # ends 10/04/2026, 120 h
        staff = staff_of(centre)
        emails = bulk_experts(rows)
        db.session.commit()
        born = dict(db.session.execute(sa.select(Expert.email, Expert.date_of_birth)).all())
        lines = [
            ["CG-2026", e, "", born[e].strftime("%d/%m/%Y"), 120, "có", "10/04/2026"]
            for e in emails
        ]
        return staff.email, f"/centres/{centre.code}/imports", lines


def _enrolments_state():
    rows = db.session.execute(
        sa.select(Course.code, Expert.email, Enrolment.attended_hours, Enrolment.completed)
        .join(Enrolment, Enrolment.expert_id == Expert.id)
        .join(Course, Course.id == Enrolment.course_id)
    ).all()
    created, trained = _import_totals("enrolments.imported")
    status = sa.func.count(Expert.id).filter(Expert.status == ExpertStatus.TRAINED)
    return {
        "rows": {(code, email, hours, completed) for code, email, hours, completed in rows},
        "experts trained": db.session.scalar(sa.select(status)),
        "status changes": db.session.scalar(sa.select(sa.func.count(StatusChange.id))),
        "transition events": db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "expert.transition")
        ),
        "added by import events": created,
        "trained by import events": trained,
    }


def _results_full(lines):
    return {"rows": {tuple(line) for line in lines}, "added by import events": len(lines)}


def _enrolments_full(lines):
    n = len(lines)
    return {
        "rows": {(line[0], line[1], 120, True) for line in lines},  # course, email
        "experts trained": n,
        "status changes": n,
        "transition events": n,
        "added by import events": n,
        "trained by import events": n,
    }


@dataclass(frozen=True)
class Kind:
    table: str  # where the import's rows go
    rows: int  # enough for a full import to take a good fraction of a second
    header: tuple
    setup: object  # (app, rows) -> (email of the user who imports, page, file's lines)
    state: object  # () -> what the database holds of the import
    full: object  # (lines) -> that state once the whole file is imported

    def expected(self, lines):
        """(none, all): the state without any of the file, and with all of it."""
        full = self.full(lines)
        return {key: type(value)() for key, value in full.items()}, full


RESULTS = Kind(
    "exam_results",
    6000,  # the page takes about half a second
    ("Email (Email)", "Họ và tên (Full name)", "Điểm (Score)"),
    _results_setup,
    _results_state,
    _results_full,
)
ENROLMENTS = Kind(
    "enrolments",
    150,  # each row also a status change and its audit event: slower per row
    (
        "Mã khóa học (Course code)",
        "Email (Email)",
        "Họ và tên (Full name)",
        "Ngày sinh (Date of birth)",
        "Số giờ tham dự (Attended hours)",
        "Hoàn thành (Completed)",
        "Ngày hoàn thành (Completion date)",
    ),
    _enrolments_setup,
    _enrolments_state,
    _enrolments_full,
)


# --- checks in the test -----------------------------------------------------------------


def _copy_database(source, target):
    """Copy one SQLite database over another with SQLite's online backup (safe while open)."""
    source, target = sqlite3.connect(source), sqlite3.connect(target)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _stored_files(app):
    folders = (app.config["REGISTRY_UPLOADS_DIR"], app.config["REGISTRY_CERTIFICATES_DIR"])
    return [p for folder in folders for p in Path(folder).rglob("*") if p.is_file()]


def _check_consistent(app, kind, none, full, when):
    """The database after `when`: sound, none or all of the import, the chain intact."""
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok", when
        state = kind.state()
        chain = verify_chain()
        db.session.remove()
    assert chain.ok, f"{when}: audit chain broken at event {chain.broken_id}: {chain.problem}"
    if state not in (none, full):
        partial = {key: len(v) if isinstance(v, set) else v for key, v in state.items()}
        raise AssertionError(f"{when}: half an import is recorded: {partial}")
    assert _stored_files(app) == [], f"{when}: files were left behind"
    return "none" if state == none else "all"


@pytest.mark.parametrize("kind", [RESULTS, ENROLMENTS], ids=["results", "enrolments"])
def test_a_killed_import_leaves_none_or_all_of_its_rows_and_a_rerun_completes(
    app, backend, tmp_path, kind
):
    if backend != "sqlite":
        pytest.skip("one real SQLite database file is enough for the subprocess")
    email, url, lines = kind.setup(app, kind.rows)
    upload = tmp_path / "import.csv"
    upload.write_bytes(csv_file(kind.header, lines, bom=True))
    none, full = kind.expected(lines)
    assert _check_consistent(app, kind, none, full, "before any import") == "none"
    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    pristine = tmp_path / "before-the-import.sqlite3"
    _copy_database(database, pristine)  # to undo an import that got through

    with Importer(app, tmp_path, email, url, upload, kind.table) as importer:
        # A full import, to learn when an import writes and how long it takes; then undone.
        importer.run().wait_for("done")
        assert importer.reap() == 0, importer.details()
        assert importer.notes()["done"][1] == "302", "the import was refused"
        assert _check_consistent(app, kind, none, full, "a full import") == "all"
        timeline = {step: float(values[0]) for step, values in importer.notes().items()}
        _copy_database(pristine, database)

        # The worst moment: every row sent to the database, the commit about to be sent.
        importer.run(pause_at="committing").wait_for("committing")
        assert importer.kill()
        assert "writing" in importer.notes()
        when = "killed just before the commit"
        assert _check_consistent(app, kind, none, full, when) == "none"

        # Kills timed from the post (while the file is read, checked or written), and from
        # the first row sent, halfway to the commit (while the rows are written).
        writing = (timeline["committing"] - timeline["writing"]) / 2
        outcomes = []
        moments = [*(("started", f * timeline["done"]) for f in FRACTIONS), ("writing", writing)]
        for step, moment in moments:
            importer.run().wait_for(step)
            time.sleep(moment)
            killed = importer.kill()
            when = (
                f"killed {moment:.3f} s after {step} (full import {timeline}): {importer.notes()}"
            )
            outcomes.append(_check_consistent(app, kind, none, full, when))
            assert killed or outcomes[-1] == "all", when  # a finished import is all there
            if outcomes[-1] == "all":
                _copy_database(pristine, database)  # each kill starts from the same state
        assert outcomes[0] == "none", "the first timed kill came after the commit"

        # After the kills an import gets through, in one commit: kill it just after that.
        importer.run(pause_at="committed").wait_for("committed")
        assert importer.kill()
        when = "killed just after the first commit"  # a commit of part of the file would show
        assert _check_consistent(app, kind, none, full, when) == "all"

        # The user, who saw no answer, sends the file again: accepted, no row twice.
        importer.run().wait_for("done")
        assert importer.reap() == 0, importer.details()
        assert importer.notes()["done"][1] == "302", "the file was refused the second time"
        assert _check_consistent(app, kind, none, full, "after the re-run") == "all"
