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
