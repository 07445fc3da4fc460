"""Exports: dashboard tables (CSV, XLSX), the expert register (CSV, XLSX), the PDF summary."""

import csv
import io
import unicodedata
from datetime import date

import openpyxl
import pypdf
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.enums import ExpertStatus
from registry.extensions import db
from registry.reports.register import REGISTER_HEADER
from tests.factories import CourseFactory, ExpertFactory, TargetFactory, certify

BOM = "\ufeff"


def _seed(app):
    with app.app_context():
        course = CourseFactory()
        certify(ExpertFactory(full_name="Nguyễn Thị Hương", province="Hải Phòng"), date(2026, 2, 1))
        certify(ExpertFactory(organisation_type="university"), date(2025, 5, 1))
        ExpertFactory(
            full_name="Trần Văn Bình",
            organisation='=HYPERLINK("http://evil.example","bấm")',
            status=ExpertStatus.APPLIED,
        )
        db.session.commit()
        code = course.centre.code
        db.session.remove()
    return code


def _csv(response):
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def _exports(app):
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.actor_label, AuditEvent.details).where(
                AuditEvent.action == "report.exported"
            )
        ).all()
        db.session.remove()
    return rows


def test_dashboard_csv_has_vietnamese_headers_and_the_counts(app, client, login_as):
    _seed(app)
    officer = login_as("officer")
    response = client.get("/reports/targets.csv?as_of=2026-06-30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "chi-tieu-2026-06-30.csv" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == [
        "Bảng",
        "Nhóm",
        "Chuyên gia NSCL được đào tạo và chứng nhận, giai đoạn 2021–2025",
        "Chuyên gia NSCL được chứng nhận, giai đoạn 2026–2030",
        "Chuyên gia NSCL đạt trình độ khu vực và quốc tế, giai đoạn 2026–2030",
    ]
    assert ["Tiến độ", "Mục tiêu", "600", "1000", "200"] in rows
    assert ["Tiến độ", "Đạt được", "1", "1", "0"] in rows
    assert ["Theo năm", "2026", "0", "1", "0"] in rows
    assert ["Theo tỉnh, thành phố", "Hải Phòng", "0", "1", "0"] in rows
    assert ["Theo loại hình tổ chức", "Trường đại học", "1", "0", "0"] in rows
    assert ["Theo năm", "Tổng cộng", "1", "1", "0"] in rows
    assert _exports(app) == [("targets.csv", officer.email, {"as_of": "2026-06-30"})]


def test_dashboard_xlsx_has_a_sheet_per_table(app, client, login_as):
    code = _seed(app)
    login_as("auditor")
    response = client.get("/reports/targets.xlsx?as_of=2026-06-30")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == [
        "Tiến độ",
        "Theo năm",
        "Theo tỉnh, thành phố",
        "Theo lĩnh vực",
        "Theo trung tâm đào tạo",
        "Theo loại hình tổ chức",
        "Kháng nghị và khiếu nại",  # auditors and officers see the figures on cases
    ]
    progress = list(workbook["Tiến độ"].values)
    assert progress[0][:6] == (
        "Chỉ tiêu",
        "Nội dung tính",
        "Từ ngày",
        "Đến ngày",
        "Mục tiêu",
        "Đạt được",
    )
    assert progress[2][4:6] == (1000, 1)
    centres = list(workbook["Theo trung tâm đào tạo"].values)
    assert centres[0][0] == "Trung tâm đào tạo"
    # Neither certified expert completed a course: both are under "not recorded".
    assert centres[1] == ("Chưa ghi nhận", 1, 1, 0)
    assert code not in str(centres)


def test_register_csv_lists_every_expert_safely(app, client, login_as):
    _seed(app)
    login_as("auditor")
    response = client.get("/reports/register.csv")
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0] == REGISTER_HEADER
    assert len(rows) == 4
    by_name = {row[1]: row for row in rows[1:]}
    huong = by_name["Nguyễn Thị Hương"]
    assert huong[10] == "Được chứng nhận (quốc gia)"
    assert huong[11].startswith("NSCL-QG-2026-")
    assert huong[13] == "2026-02-01"
    # A formula typed into a field stays text in the spreadsheet.
    assert by_name["Trần Văn Bình"][4].startswith("'=HYPERLINK")
    assert by_name["Trần Văn Bình"][11] == ""
    assert unicodedata.is_normalized("NFC", response.get_data().decode())


def test_register_can_be_filtered_by_status(app, client, login_as):
    _seed(app)
    login_as("officer")
    rows = _csv(client.get("/reports/register.csv?status=applied"))
    assert [row[1] for row in rows[1:]] == ["Trần Văn Bình"]
    assert client.get("/reports/register.csv?status=nonsense").status_code == 400


def test_register_xlsx_opens_with_headers_and_dates(app, client, login_as):
    _seed(app)
    login_as("officer")
    response = client.get("/reports/register.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    rows = list(sheet.values)
    assert list(rows[0]) == REGISTER_HEADER
    assert len(rows) == 4
    bình = next(row for row in rows if row[1] == "Trần Văn Bình")
    assert bình[4].startswith("'=")  # text, not a formula
    cell = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "Nguyễn Thị Hương")[13]
    assert cell.value.date() == date(2026, 2, 1)
    assert [row[0] for row in _exports(app)] == ["register.xlsx"]


def test_pdf_summary_is_one_page_in_vietnamese(app, client, login_as):
    _seed(app)
    with app.app_context():
        # Markup characters in data must not break the PDF.
        TargetFactory(label_vi="Chỉ tiêu <b>thử</b> & kiểm tra", key="markup")
        db.session.commit()
        db.session.remove()
    login_as("auditor")
    response = client.get("/reports/summary.pdf?as_of=2026-06-30")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == 1
    text = unicodedata.normalize("NFC", reader.pages[0].extract_text())
    assert "Tóm tắt tiến độ" in text
    assert "30/06/2026" in text
    assert "Chỉ tiêu <b>thử</b> & kiểm tra" in " ".join(text.split())
    assert [row[0] for row in _exports(app)] == ["summary.pdf"]


def test_a_bad_as_of_date_is_refused_for_exports(client, login_as):
    login_as("officer")
    response = client.get("/reports/targets.csv?as_of=yesterday")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/targets/")
