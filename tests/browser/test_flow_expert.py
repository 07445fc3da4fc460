"""Experts and the public, end to end: sign up and apply, follow the timeline; a certified
expert downloads the PDF, anyone decodes its QR code and opens the verification page; the
VI/EN switch keeps the page."""

import shutil
import subprocess

import pytest

from tests.browser.conftest import sign_in

TOOLS = ("pdftoppm", "zbarimg")


def test_an_expert_signs_up_applies_and_follows_the_timeline(page):
    page.goto("/")
    page.locator("body > header a[href='/signup']").click()
    page.fill("input[name=full_name]", "Phạm Thu Trang")
    page.fill("input[name=email]", "pham.thu.trang@example.vn")
    page.fill("input[name=password]", "mat-khau-rat-dai-2026")
    page.fill("input[name=confirm]", "mat-khau-rat-dai-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/apply")

    page.fill("input[name=date_of_birth]", "1988-04-12")
    page.fill("input[name=phone]", "0912 345 678")
    page.fill("input[name=organisation]", "Công ty CP Cơ khí Hà Nội")
    page.fill("input[name=province]", "Hà Nội")
    page.fill("input[name=sector]", "Cơ khí chế tạo")
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
