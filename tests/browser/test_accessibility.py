"""Accessibility: axe-core on every main page of every role finds no critical or serious
violation; forms can be filled from the keyboard, with labels and a visible focus."""

import pytest

from tests.browser.checks import AXE, keyboard_problems, serious_violations
from tests.browser.conftest import sign_in
from tests.browser.pages import ACCOUNTS, demo_ids, pages_by_role

ROLES = ["public", *ACCOUNTS]


@pytest.fixture(scope="session")
def ids(live):
    return demo_ids(live.database_url)


@pytest.fixture(scope="session")
def pages(ids):
    return pages_by_role(ids)


@pytest.fixture
def axe_page(page):
    """The page with axe-core loaded into every document (an init script passes the CSP)."""
    page.add_init_script(path=str(AXE))
    return page


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_accessibility_violations(axe_page, pages, role):
    if role != "public":
        sign_in(axe_page, ACCOUNTS[role])
    problems = []
    for path in pages[role]:
        axe_page.goto(path)
        problems += [f"{path}: {line}" for line in serious_violations(axe_page)]
    assert not problems, "\n".join(problems)


# Forms a person of each role fills most (path, role); "public" is nobody signed in. Paths
# take the demo's ids (pages.demo_ids).
FORMS = [
    ("/login", "public"),
    ("/signup", "public"),
    ("/complaints/new", "public"),
    ("/centres/HN01/courses/new", "centre_staff"),
    ("/centres/HN01/exams/new", "centre_staff"),
    ("/directorate/apply", "officer"),
    ("/cases/{complaint_id}", "officer"),  # the decision on a case assigned to them
    ("/cases/{appeal_id}", "officer"),  # acknowledging a case
    ("/audit/samples/", "auditor"),
    ("/account/password", "expert"),
    ("/me/appeals/accreditation-{refused_request_id}", "suspended_expert"),
]


@pytest.mark.parametrize(("path", "role"), FORMS)
def test_forms_are_keyboard_usable_with_labels_and_visible_focus(page, ids, path, role):
    if role != "public":
        sign_in(page, ACCOUNTS[role])
    page.goto(path.format(**ids))
    assert page.locator("main form").count(), f"{path}: no form"
    problems = keyboard_problems(page)
    assert not problems, "\n".join(problems)


def test_signing_in_with_the_keyboard_alone(page):
    page.goto("/login")
    page.focus("input[name=email]")
    page.keyboard.type(ACCOUNTS["officer"])
    page.keyboard.press("Tab")
    page.keyboard.type("demo-nscl-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/experts")
    assert page.locator("body > header").get_by_text("Lê Thị Minh Châu").count() == 1
