"""Auditors, end to end: draw a sample, record a finding, read the audit log, export the
dashboard; filter the audit log by certificate and by person, and export what is shown.
The sample's pages exist only once drawn, so their axe-core and phone checks run
here rather than in test_accessibility.py and test_phones.py."""

import csv
import io
import re

import openpyxl
import sqlalchemy as sa

from tests.browser.checks import AXE, overflow, serious_violations
from tests.browser.conftest import sign_in

AUDITOR = "kiemtoan@nscl.gov.vn"


def test_an_auditor_samples_records_a_finding_and_reads_the_log(page, live):
    page.add_init_script(path=str(AXE))
    sign_in(page, AUDITOR)
    page.goto("/audit/samples/")
    page.fill("input[name=period_start]", "2020-01-01")
    page.fill("input[name=period_end]", "2026-12-31")
    page.fill("input[name=size]", "3")
    page.fill("input[name=seed]", "2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/audit/samples/\d+$"))
    sample_url = page.url
    drawn = page.locator("main tbody tr")
    assert drawn.count() == 3
    assert not serious_violations(page)

    number = drawn.first.locator("td").first.inner_text()
    drawn.first.locator("td").first.get_by_role("link").click()
    assert not serious_violations(page)
    page.locator("main input[type=radio]").first.check()
    page.fill("textarea[name=note]", "Hồ sơ đầy đủ: biên bản thi, kết quả và quyết định khớp nhau.")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(sample_url)
    row = page.locator("main tbody tr", has_text=number)
    assert row.locator("a", has_text="Ghi nhận").count() == 0, row.inner_text()

    page.goto("/audit/")
    log = page.locator("main table")
    newest = log.locator("tbody tr").first.inner_text()  # the finding just recorded
    assert AUDITOR in newest or "Vũ Thị Hồng Nhung" in newest, newest

    page.set_viewport_size({"width": 390, "height": 844})
    for path in (sample_url, page.url):
        page.goto(path)
        assert overflow(page) == 0, path


def test_an_auditor_exports_the_dashboard(page, tmp_path):
    sign_in(page, AUDITOR)
    page.goto("/targets/")
    expected = {"CSV": b"", "XLSX": b"PK", "PDF": b"%PDF"}
    for link, magic in expected.items():
        with page.expect_download() as download:
            page.locator("main a", has_text=re.compile(link, re.I)).first.click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        content = path.read_bytes()
        assert content.startswith(magic) and len(content) > 100, link
    csv = next(tmp_path.glob("*.csv")).read_text(encoding="utf-8-sig")
    assert "600" in csv, csv[:300]


def _event_ids_shown(page):
    return {int(text) for text in page.locator("main tbody tr td:first-child").all_inner_texts()}


def _exported(page, tmp_path, label):
    with page.expect_download() as download:
        page.locator("main a", has_text=label).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path


def test_an_auditor_filters_the_log_and_exports_what_is_shown(page, live, tmp_path):
    engine = sa.create_engine(live.database_url)
    with engine.connect() as conn:
        number, full_name = conn.execute(
            sa.text(
                "SELECT c.number, e.full_name FROM certificates c "
                "JOIN experts e ON e.id = c.expert_id WHERE e.email = 'chuyengia@example.vn' "
                "ORDER BY c.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    sign_in(page, AUDITOR)
    page.goto("/audit/")
    everything = _event_ids_shown(page)

    for field, value in (("number", number), ("person", full_name)):
        page.goto("/audit/")
        page.fill(f"main input[name={field}]", value)
        page.click("main form.audit-filters button[type=submit]")
        page.wait_for_load_state()
        shown = _event_ids_shown(page)
        assert shown and shown != everything, (field, value)

        csv_path = _exported(page, tmp_path, re.compile("CSV"))
        rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
        assert {int(row[0]) for row in rows[1:]} == shown, field

        xlsx_path = _exported(page, tmp_path, re.compile("XLSX"))
        sheet = openpyxl.load_workbook(xlsx_path, read_only=True).worksheets[0]
        ids = {int(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
        assert ids == shown, field
