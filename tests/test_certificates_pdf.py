"""The certificate PDF: exact names, bilingual content, Vietnamese dates, a QR code that works."""

import io
import shutil
import subprocess
import unicodedata
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from registry.audit.models import AuditEvent
from registry.certificates import wording
from registry.certificates.archive import archive_root
from registry.certificates.pdf import CertificatePdf, PrintedCertificate, UnprintableText
from registry.certificates.rendering import verification_url
from registry.extensions import db
from tests.factories import issued_certificate

QR_TOOLS_MISSING = (
    "QR CODE NOT TESTED: install the Debian packages poppler-utils (pdftoppm) and "
    "zbar-tools (zbarimg) to decode the certificate's QR code"
)


def printed(**changes):
    fields = {
        "number": "NSCL-QG-2026-00042",
        "level": "national",
        "holder_name": "Nguyễn Thị Hương Trà",
        "holder_date_of_birth": date(1985, 3, 5),
        "scheme": "TCVN 13751:2023",
        "issuing_body": "Tổng cục Tiêu chuẩn Đo lường Chất lượng",
        "signatory_name": "Nguyễn Hoàng Linh",
        "signatory_title": "Tổng cục trưởng",
        "issued_on": date(2026, 11, 21),
        "valid_until": date(2029, 11, 21),
        "verification_url": "https://registry.example.vn/verify/NSCL-QG-2026-00042?code=abc",
    }
    fields.update(changes)
    return PrintedCertificate(**fields)


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return unicodedata.normalize("NFC", reader.pages[0].extract_text())


def test_page_is_a4_landscape_with_every_printed_field():
    data = CertificatePdf().render(printed())
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    text = pdf_text(data)
    for expected in (
        "GIẤY CHỨNG NHẬN CHUYÊN GIA NĂNG SUẤT CHẤT LƯỢNG",
        "Certificate of Productivity and Quality Expert",
        "Nguyễn Thị Hương Trà",
        "05/03/1985",
        "NSCL-QG-2026-00042",
        "CHUYÊN GIA NĂNG SUẤT CHẤT LƯỢNG CẤP QUỐC GIA",
        "National productivity and quality expert",
        "TCVN 13751:2023",
        "TỔNG CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG",
        "ngày 21 tháng 11 năm 2026",
        "21/11/2026",
        "21/11/2029",
        "TỔNG CỤC TRƯỞNG",
        "Nguyễn Hoàng Linh",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    "name",
    [
        "<b>Lê</b> & <font size=40>Văn</font> Tám",
        "Trần &amp; Thị <br/> Bé",
        "Phạm <para>Đức</para> ]]> Anh",
    ],
)
def test_markup_in_a_name_is_printed_literally(name):
    text = pdf_text(CertificatePdf().render(printed(holder_name=name)))
    assert name in text


def test_combining_marks_are_printed_as_the_composed_name():
    composed = "Nguyễn Thị Hương Trà"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    data = CertificatePdf().render(printed(holder_name=decomposed))
    assert data == CertificatePdf().render(printed(holder_name=composed))
    assert composed in pdf_text(data)


def test_a_mark_with_no_composed_form_is_kept_on_its_letter():
    name = "Lê Q\u0323uang Vinh"  # Q with dot below exists only as Q + U+0323
    assert name in pdf_text(CertificatePdf().render(printed(holder_name=name)))


def test_a_name_the_font_cannot_draw_is_refused_not_printed_as_boxes():
    with pytest.raises(UnprintableText, match="U\\+738B"):
        CertificatePdf().render(printed(holder_name="王 Minh"))


def test_rendering_is_deterministic():
    assert CertificatePdf().render(printed()) == CertificatePdf().render(printed())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 21), "ngày 21 tháng 11 năm 2026"),
        (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),
        (date(2027, 1, 9), "ngày 09 tháng 01 năm 2027"),
        (date(2027, 2, 28), "ngày 28 tháng 02 năm 2027"),
    ],
)
def test_vietnamese_long_dates(day, expected):
    assert wording.long_date(day) == expected


def test_issuing_renders_and_archives_the_certificate(ctx):
    certificate = issued_certificate(full_name="Đặng <i>Quốc</i> Đạt")
    db.session.commit()
    path = archive_root() / certificate.archive_path
    text = pdf_text(path.read_bytes())
    assert "Đặng <i>Quốc</i> Đạt" in text
    assert certificate.number in text
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(certificate.id))
    ).all()
    assert actions == ["certificate.issued", "certificate.archived"]


def test_a_failed_rendering_leaves_the_certificate_pending_and_logged(ctx):
    certificate = issued_certificate(full_name="Nguyễn 王")
    db.session.commit()
    assert certificate.sha256 is None and certificate.archive_path is None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "certificate.render_failed")
    )
    assert event.details["number"] == certificate.number
    assert "U+738B" in event.details["error"]


def test_qr_code_decodes_to_the_verification_url_which_shows_the_status(app, ctx, tmp_path):
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    if not (pdftoppm and zbarimg):
        pytest.skip(QR_TOOLS_MISSING)
    certificate = issued_certificate()
    db.session.commit()
    pdf = archive_root() / certificate.archive_path
    page_png = tmp_path / "page.png"
    subprocess.run(
        [pdftoppm, "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    decoded = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(page_png)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == verification_url(certificate)
    url = urlsplit(decoded)
    response = app.test_client().get(f"{url.path}?{url.query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Còn hiệu lực" in page and "Valid" in page
    assert certificate.holder_name in page
