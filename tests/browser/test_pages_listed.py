"""The list of pages per role (pages.py) keeps up with the URL map: a GET page nobody lists
would escape the phone and accessibility checks. Needs no browser."""

from pathlib import Path

from tests.browser.pages import NOT_PAGES, pages_by_role
from tests.conftest import make_app

# Pages that exist only once a flow creates their object, or behind a mailed link or a
# step of signing in: the flow test checks them as pages.py's pages are checked.
CHECKED_IN_FLOWS = {
    "sampling.detail": "test_flow_auditor.py",
    "sampling.finding": "test_flow_auditor.py",
    "auth.confirm_wait": "test_flow_accounts.py",
    "auth.confirm_email": "test_flow_accounts.py",
    "experts.apply_self": "test_flow_accounts.py",
    "auth.reset_password": "test_flow_accounts.py",
    "auth.claim_record": "test_flow_accounts.py",
    "cases.confirm_complaint": "test_flow_accounts.py",
    "auth.login_code": "test_flow_accounts.py",
}
# Pages neither the demo data nor a flow shows, each with the reason: none today.
NOT_REACHABLE_WITH_DEMO_DATA = {}


def test_every_get_page_is_listed_for_some_role(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path)
    fake_ids = dict.fromkeys(
        (
            "centre_id",
            "course_id",
            "session_id",
            "own_expert_id",
            "applied_id",
            "accreditation_id",
            "user_id",
            "target_id",
            "topic_id",
            "sector_id",
            "enrolment_id",
            "complaint_id",
            "appeal_id",
            "appealed_change_id",
            "refused_request_id",
            "import_job_id",
            "batch_job_id",
            "correction_id",
            "corrected_session_id",
            "corrected_result_id",
        ),
        1,
    )
    fake_ids["verify"] = "/verify/NSCL-QG-2026-00001?code=x"
    adapter = app.url_map.bind("localhost")
    listed = {
        adapter.match(path.split("?")[0])[0]
        for paths in pages_by_role(fake_ids).values()
        for path in paths
    }
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.endpoint.startswith("api")
    }
    excused = NOT_PAGES | CHECKED_IN_FLOWS.keys() | NOT_REACHABLE_WITH_DEMO_DATA.keys()
    assert sorted(pages - listed - excused) == [], "add these pages to tests/browser/pages.py"


def test_the_flows_named_for_pages_exist():
    here = Path(__file__).parent
    assert [name for name in CHECKED_IN_FLOWS.values() if not (here / name).is_file()] == []
