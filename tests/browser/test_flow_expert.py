"""Experts and the public, end to end: sign up and apply, follow the timeline; a certified
expert downloads the PDF, anyone decodes its QR code and opens the verification page; the
VI/EN switch keeps the page; after an officer's decisions the expert receives the mail
(written by the worker) and downloads the signed credential."""

import json
import re
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.browser.conftest import sign_in
from tests.browser.live import PROJECT_ROOT

TOOLS = ("pdftoppm", "zbarimg")


def test_an_expert_signs_up_confirms_the_email_applies_and_follows_the_timeline(page, live):
    page.goto("/")
    page.locator("body > header a[href='/signup']").click()
    page.fill("input[name=full_name]", "Phạm Thu Trang")
    page.fill("input[name=email]", "pham.thu.trang@example.vn")
    page.fill("input[name=password]", "mat-khau-rat-dai-2026")
    page.fill("input[name=confirm]", "mat-khau-rat-dai-2026")
    page.click("main form button[type=submit]")
    # Nothing but waiting until the email is confirmed from the mail that arrives.
    page.wait_for_url("**/account/confirm")
    page.goto("/me/apply")
    page.wait_for_url("**/account/confirm")
    message = live.mail_to("pham.thu.trang@example.vn", "confirm_email")
    assert message["Subject"] == "Xác nhận địa chỉ email của bạn"
    link = re.search(r"/account/confirm/\S+", message.get_body(("plain",)).get_content())
    page.goto(link.group(0))
    assert page.locator("main .flash-success").count() == 1
    page.goto("/me/apply")
    page.wait_for_url("**/me/apply")

    page.fill("input[name=date_of_birth]", "1988-04-12")
    page.fill("input[name=phone]", "0912 345 678")
    page.fill("input[name=organisation]", "Công ty CP Cơ khí Hà Nội")
    page.select_option("select[name=province]", "Hà Nội")
    page.select_option("select[name=sector]", "Cơ khí chế tạo")
    page.fill("input[name=highest_degree]", "Thạc sĩ Quản trị kinh doanh")
    page.fill("input[name=years_experience]", "9")
    page.check("input[name=consent_scheme_rules]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me")

    main = page.locator("main")
    assert main.locator(".status-applied").count() >= 1
    timeline = main.locator(".timeline")
    assert timeline.count() == 1 and "Phạm Thu Trang" in main.inner_text()


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS), reason="needs poppler-utils and zbar-tools"
)
def test_the_qr_code_of_a_downloaded_certificate_opens_its_verification(page, live, tmp_path):
    sign_in(page, "chuyengia@example.vn")
    with page.expect_download() as download:
        page.locator("main").get_by_role("link", name="Tải bản PDF").first.click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, tmp_path / "page"], check=True
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", tmp_path / "page.png"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert decoded.startswith(f"{live.url}/verify/"), decoded

    visitor = page.context.browser.new_context()
    try:
        verification = visitor.new_page()
        assert verification.goto(decoded).status == 200
        verdict = verification.locator("main .verdict").inner_text()
        assert "Còn hiệu lực" in verdict or "Valid" in verdict, verdict
        assert "Nguyễn Thị Hương Trà" in verification.locator("main .holder").inner_text()
    finally:
        visitor.close()


def test_the_language_switch_keeps_the_page(page):
    page.goto("/register?q=Nguyen")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.locator("body > header .lang").get_by_role("link", name="EN").click()
    page.wait_for_load_state()
    assert page.url.endswith("/register?q=Nguyen"), page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("body > header").get_by_role("link", name="Public register").count() == 1
    page.locator("body > header .lang").get_by_role("link", name="VI").click()
    page.wait_for_load_state()
    assert page.url.endswith("/register?q=Nguyen"), page.url
    assert page.locator("html").get_attribute("lang") == "vi"


def _decide(page, expert_id, to, reason):
    page.goto(f"/directorate/experts/{expert_id}/decide/{to}")
    page.fill("textarea[name=reason]", reason)
    if page.locator("input[name=review_on]").count():
        page.fill("input[name=review_on]", "2027-03-01")
    if page.locator("select[name=reason_code]").count():  # the public reason, from the list
        page.select_option("select[name=reason_code]", "under_review_after_complaint")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("main .flash-success").count() == 1, page.locator("main").inner_text()


def test_after_the_decisions_the_expert_gets_the_mail_and_the_signed_credential(
    page, live, tmp_path
):
    email = "chuyengia2@example.vn"
    engine = sa.create_engine(live.database_url)
    with engine.connect() as conn:
        expert_id = conn.execute(
            sa.text("SELECT id FROM experts WHERE email = :e"), {"e": email}
        ).scalar_one()
        # The renewed certificate; the first one has expired.
        number = conn.execute(
            sa.text(
                "SELECT number FROM certificates WHERE expert_id = :e ORDER BY id DESC LIMIT 1"
            ),
            {"e": expert_id},
        ).scalar_one()
    engine.dispose()

    # An officer suspends the holder's certification, then reinstates it.
    sign_in(page, "canbo@nscl.gov.vn")
    _decide(page, expert_id, "suspended", "Đang xác minh khiếu nại của doanh nghiệp")
    _decide(page, expert_id, "certified", "Khiếu nại đã được giải quyết")
    page.context.clear_cookies()

    sign_in(page, email)
    page.goto("/me")
    main = page.locator("main")
    linkedin = main.locator("a[href^='https://www.linkedin.com/profile/add']")
    assert linkedin.count() >= 1 and linkedin.first.is_visible()
    with page.expect_download() as download:
        main.locator(f"a[href='/certificates/{number}.credential.json']").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    credential = json.loads(path.read_text(encoding="utf-8"))
    proof = credential["proof"]
    proof = proof[0] if isinstance(proof, list) else proof
    assert proof["cryptosuite"] == "eddsa-rdfc-2022", proof
    checked = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "registry", "verify-credential", path],
        cwd=PROJECT_ROOT,
        env=live.env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # The worker sends the decisions' mail: .eml files, no SMTP host in the session.
    message = live.mail_to(email, "reinstated")
    assert message["Subject"] == "Chứng chỉ chuyên gia của bạn đã được khôi phục"
    assert "Trần Minh Khoa" in message.get_body(preferencelist=("plain",)).get_content()
