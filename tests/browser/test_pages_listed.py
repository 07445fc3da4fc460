"""The list of pages per role (pages.py) keeps up with the URL map: a GET page nobody lists
would escape the phone and accessibility checks. Needs no browser."""

from tests.browser.pages import NOT_PAGES, pages_by_role
from tests.conftest import make_app

# Pages that exist only once a flow creates their object; the flow test checks them.
CHECKED_IN_FLOWS = {
    "sampling.detail": "test_flow_auditor.py",
    "sampling.finding": "test_flow_auditor.py",
}
# Pages the demo data cannot show to its accounts (no batch job yet; its expert accounts
# have applied already; no account has a second factor, so sign-in never asks for the
# code): not checked in a browser yet.
NOT_REACHABLE_WITH_DEMO_DATA = {
    "auth.login_code",
    "auth.claim_record",  # mailed links: a token the demo data has not sent
    "auth.confirm_email",
    "auth.confirm_wait",  # every demo account is confirmed (the expert flow opens it)
    "auth.reset_password",
    "cases.appeal",  # the demo has no decision open to appeal, nor any case
    "cases.confirm_complaint",
    "cases.detail",
    "centres.import_job",  # nor an import big enough to run in the background
    "certificates.batch_job",
    "experts.apply_self",
}


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
    excused = NOT_PAGES | CHECKED_IN_FLOWS.keys() | NOT_REACHABLE_WITH_DEMO_DATA
    assert sorted(pages - listed - excused) == [], "add these pages to tests/browser/pages.py"
