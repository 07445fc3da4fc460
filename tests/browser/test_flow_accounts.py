"""Pages reached only through a mailed link or a step of signing in, opened as a person
opens them (the link comes from the mail the worker wrote). Each gets what every page of
pages.py gets, axe-core and the phone's width and menu, and its form is gone through
with the keyboard (tests/browser/checks.py)."""

import re
import time

import pyotp
import pytest

from tests.browser.checks import AXE, keyboard_problems, page_problems
from tests.browser.conftest import sign_in


@pytest.fixture
def checked(page):
    """The page with axe-core loaded into every document."""
    page.add_init_script(path=str(AXE))
    return page


def _link(message, path):
    """The site path of the link in `message` that starts with `path`."""
    body = message.get_body(("plain",)).get_content()
    found = re.search(re.escape(path) + r"[\w.~-]+", body)
    assert found, body
    return found.group(0)


def _problems(page):
    return keyboard_problems(page) + page_problems(page)


def test_the_pages_of_a_new_account_until_its_application(checked, live):
    email = "doan.minh.quan@example.vn"
    checked.goto("/signup")
    checked.fill("input[name=full_name]", "Đoàn Minh Quân")
    checked.fill("input[name=email]", email)
    checked.fill("input[name=password]", "mat-khau-rat-dai-2026")
    checked.fill("input[name=confirm]", "mat-khau-rat-dai-2026")
    checked.click("main form button[type=submit]")
    checked.wait_for_url("**/account/confirm")
    problems = _problems(checked)  # "check your mail", with the form to send it again

    link = _link(live.mail_to(email, "confirm_email"), "/account/confirm/")
    checked.goto(link)
    assert checked.locator("main .flash-success").count() == 1
    problems += page_problems(checked)
    used = checked.goto(link)  # a second time: the link was used
    assert used.status == 404 and checked.locator("main .flash-error").count() == 1
    problems += page_problems(checked)

    checked.goto("/me/apply")
    checked.wait_for_url("**/me/apply")
    problems += _problems(checked)
    assert not problems, "\n".join(problems)


def test_the_password_reset_page_from_its_mail(checked, live):
    email = "dn01@trungtam.vn"
    checked.goto("/password/forgot")
    checked.fill("input[name=email]", email)
    checked.click("main form button[type=submit]")
    checked.wait_for_url("**/login")
    checked.goto(_link(live.mail_to(email, "password_reset"), "/password/reset/"))
    assert checked.locator("main input[name=new_password]").count() == 1
    problems = _problems(checked)
    assert not problems, "\n".join(problems)


def test_the_claim_page_of_a_record_applied_for_on_someones_behalf(checked, live):
    # The demo's records were applied for by an officer: each person got an invitation.
    email = "chuyengia04@example.vn"
    checked.goto(_link(live.mail_to(email, "invitation"), "/claim/"))
    assert checked.locator("main input[name=new_password]").count() == 1
    problems = _problems(checked)
    assert not problems, "\n".join(problems)


def test_the_complaint_confirmation_page_from_its_mail(checked, live):
    email = "ly.van.hau@example.vn"
    checked.goto("/complaints/new")
    checked.select_option("select[name=subject]", "centre")
    checked.fill("input[name=reference]", "HN01")
    checked.fill("input[name=contact_name]", "Lý Văn Hậu")
    checked.fill("input[name=contact_email]", email)
    checked.fill("textarea[name=grounds]", "Trung tâm thu học phí nhưng không cấp biên lai.")
    checked.click("main form button[type=submit]")
    checked.wait_for_load_state()
    checked.goto(_link(live.mail_to(email, "complaint_confirm"), "/complaints/confirm/"))
    assert checked.locator("main form button[type=submit]").count() == 1
    problems = _problems(checked)
    assert not problems, "\n".join(problems)


def test_the_second_factor_code_page_at_sign_in(checked):
    email = "ct01@trungtam.vn"
    sign_in(checked, email)
    checked.goto("/account/second-factor")
    totp = pyotp.TOTP(checked.locator("main code").inner_text().strip())
    checked.fill("input[name=code]", totp.now())
    checked.click("main form button[type=submit]")
    checked.wait_for_load_state()
    assert checked.locator("main .flash-success").count() == 1
    checked.context.clear_cookies()

    checked.goto("/login")
    checked.fill("input[name=email]", email)
    checked.fill("input[name=password]", "demo-nscl-2026")
    checked.click("main form button[type=submit]")
    checked.wait_for_url("**/login/code")
    problems = _problems(checked)
    # The next step's code: the current one was spent turning the factor on.
    checked.fill("input[name=code]", totp.at(time.time() + 30))
    checked.click("main form button[type=submit]")
    checked.wait_for_load_state()
    assert "/login" not in checked.url, checked.url
    assert not problems, "\n".join(problems)
