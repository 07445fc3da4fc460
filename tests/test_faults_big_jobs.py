"""Issue 14's check, at a size the suite can afford (benchmarks/bench_jobs.py runs the
issue's 20,000 rows and 1,000 certificates): a completion import and a batch issuance run
as tasks by the real worker, which is killed with SIGKILL in the middle of each and
started again; the page shows the import's progress, everything completes, nothing is
doubled."""

import os
import re

import pytest
from huey import SqliteHuey

from registry.centres import import_jobs
from registry.extensions import db
from tests.big_jobs import counts, queue_jobs, run_with_kills
from tests.conftest import sign_in

ROWS = int(os.environ.get("REGISTRY_FAULT_ROWS", "3000"))
CERTIFICATES = int(os.environ.get("REGISTRY_FAULT_CERTIFICATES", "40"))
PHASES = {
    "Reading the file": "reading",
    "Checking the rows": "checking",
    "Writing the rows": "writing",
}
pytestmark = pytest.mark.slow


def test_big_jobs_killed_midway_complete_with_nothing_doubled(app, client, tmp_path, monkeypatch):
    jobs = queue_jobs(app, ROWS, CERTIFICATES)
    # The page reads the progress the worker writes into its queue's storage.
    monkeypatch.setattr(
        import_jobs, "huey", SqliteHuey("registry", filename=str(tmp_path / "tasks.sqlite3"))
    )
    with app.app_context():
        from registry.auth.models import User

        email = db.session.get(User, jobs.staff_id).email
        db.session.remove()
    sign_in(client, email)
    client.get("/lang/en")
    page_url = f"/centres/LON/imports/jobs/{jobs.import_job_id}"

    def look_at_import():
        page = client.get(page_url).text
        for label, phase in PHASES.items():
            if label in page:
                done = re.search(r"\d+ of \d+ rows", page)
                return phase, done and done[0]
        return None

    run_with_kills(app, tmp_path, jobs, look_at_import)

    # While it ran, the page showed it checking the rows, then writing them.
    phases = [phase for phase, _done in jobs.seen]
    assert "writing" in phases and "reading" not in phases[phases.index("writing") :]
    assert all(
        done and done.endswith(f"of {ROWS} rows") for phase, done in jobs.seen if phase != "reading"
    ), jobs.seen
    page = client.get(page_url).text
    assert f"{ROWS} rows, {ROWS} added" in page and f"{ROWS} people are now trained" in page
    with app.app_context():
        after = counts()
        db.session.remove()
    added = {name: after[name] - jobs.before[name] for name in after}
    assert added == {
        "trained experts": ROWS,
        "enrolments": ROWS,
        "status changes": ROWS,
        "experts with a change": ROWS,
        "transition events": ROWS,
        "import events": 1,
        "certificates": 0,
        "certificates issued": CERTIFICATES,
        "archived events": CERTIFICATES,
        "certificates archived": CERTIFICATES,
        "trained messages": ROWS,
        "import messages": 1,
        "all messages": ROWS + 1,
    }
