"""Phones (390 × 844): no page of any role is wider than the screen, and every item of the
header's menu can be reached, visible at once or behind the folded menu's button."""

import pytest

from tests.browser.checks import overflow, unreachable_menu_items
from tests.browser.conftest import sign_in
from tests.browser.pages import ACCOUNTS, demo_ids, pages_by_role

ROLES = ["public", *ACCOUNTS]


@pytest.fixture(scope="session")
def pages(live):
    return pages_by_role(demo_ids(live.database_url))


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


def test_the_folded_menu_opens_without_javascript(browser, live):
    context = browser.new_context(
        base_url=live.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        phone = context.new_page()
        sign_in(phone, ACCOUNTS["officer"])
        sign_out = phone.locator("body > header").get_by_role("button", name="Đăng xuất")
        assert not sign_out.is_visible()
        phone.click("body > header .menu-button")
        assert sign_out.is_visible() and not unreachable_menu_items(phone)
    finally:
        context.close()
