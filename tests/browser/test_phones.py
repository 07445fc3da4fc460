"""Phones (390 × 844): no page of any role is wider than the screen, and every item of the
header's menu can be reached, visible at once or behind the folded menu's button."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.pages import ACCOUNTS, demo_ids, pages_by_role

ROLES = ["public", *ACCOUNTS]


@pytest.fixture(scope="session")
def pages(live):
    return pages_by_role(demo_ids(live.database_url))


def overflow(page):
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)"
    )


def unreachable_menu_items(page):
    """The header's links and buttons a person cannot see or tap, after opening the menu."""
    items = page.locator("body > header nav a, body > header nav button")
    if not all(items.nth(i).is_visible() for i in range(items.count())):
        page.click("body > header .menu-button")
    width = page.viewport_size["width"]
    missing = []
    for i in range(items.count()):
        item = items.nth(i)
        box = item.bounding_box()
        if not item.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            missing.append(item.inner_text().strip() or item.get_attribute("href"))
    return missing


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(phone, pages, role):
    if role != "public":
        sign_in(phone, ACCOUNTS[role])
    problems = []
    for path in pages[role]:
        response = phone.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        if wider := overflow(phone):
            problems.append(f"{path}: {wider} px wider than the screen")
        if missing := unreachable_menu_items(phone):
            problems.append(f"{path}: menu items out of reach: {missing}")
    assert not problems, "\n".join(problems)
