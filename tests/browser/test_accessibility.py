"""Accessibility: axe-core on every main page of every role finds no critical or serious
violation; forms can be filled from the keyboard, with labels and a visible focus."""

import pytest

from tests.browser.checks import AXE, serious_violations
from tests.browser.conftest import sign_in
from tests.browser.pages import ACCOUNTS, demo_ids, pages_by_role

ROLES = ["public", *ACCOUNTS]


@pytest.fixture(scope="session")
def pages(live):
    return pages_by_role(demo_ids(live.database_url))


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


# Forms a person of each role fills most (path, role); "public" is nobody signed in.
FORMS = [
    ("/login", "public"),
    ("/signup", "public"),
    ("/centres/HN01/courses/new", "centre_staff"),
    ("/centres/HN01/exams/new", "centre_staff"),
    ("/directorate/apply", "officer"),
    ("/audit/samples/", "auditor"),
    ("/account/password", "expert"),
]

FOCUS_STATE = """async () => {
  const el = document.activeElement;
  // Pico fades the focus ring in: read the style once the transition has run.
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await Promise.all(el.getAnimations().map((animation) => animation.finished));
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText.trim()
      : (el.getAttribute('aria-label') || el.innerText || el.value || '').trim();
  return {tag: el.tagName, type: el.type || '', name: el.name || '', label: label,
          inForm: !!el.closest('main form'),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                || (style.boxShadow && style.boxShadow !== 'none')};
}"""


def tab_through_main_form(page):
    """Press Tab from the top of the page until the focus leaves the main form's fields;
    returns the focus state of each field reached inside it."""
    reached, started = [], False
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["inForm"]:
            started = True
            reached.append(state)
        elif started:
            break
    return reached


@pytest.mark.parametrize(("path", "role"), FORMS)
def test_forms_are_keyboard_usable_with_labels_and_visible_focus(page, path, role):
    if role != "public":
        sign_in(page, ACCOUNTS[role])
    page.goto(path)
    reached = tab_through_main_form(page)
    fields = page.locator(
        "main form input:not([type=hidden]), main form select, main form textarea, main form button"
    )
    assert len(reached) >= fields.count() > 0, f"{path}: Tab reached {len(reached)} fields"
    # A date field takes several Tab stops (day, month, year, Chromium's calendar button,
    # which draws its own ring): the field must show the form's ring on one of them.
    ring = {}
    for state in reached:
        assert state["label"], f"{path}: {state['tag']} {state['name']} has no label"
        key = (state["tag"], state["name"], state["label"])
        ring[key] = ring.get(key, False) or state["ring"]
    assert all(ring.values()), (
        f"{path}: no visible focus on {[k for k, v in ring.items() if not v]}"
    )


def test_signing_in_with_the_keyboard_alone(page):
    page.goto("/login")
    page.focus("input[name=email]")
    page.keyboard.type(ACCOUNTS["officer"])
    page.keyboard.press("Tab")
    page.keyboard.type("demo-nscl-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/experts")
    assert page.locator("body > header").get_by_text("Lê Thị Minh Châu").count() == 1
