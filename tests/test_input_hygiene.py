"""Bad input answers 4xx and writes nothing: control characters anywhere in a request,
bidi controls in names, hostile workbooks, and a database that does not answer (503)."""

import io
import zipfile

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.centres.imports.files import FileProblem, read_table
from registry.exams.imports import COLUMNS as RESULT_COLUMNS
from registry.experts.models import Expert
from registry.extensions import db
from registry.text import clean_text, control_characters_anywhere
from tests.conftest import create_account, make_app
from tests.factories import csv_file, xlsx_file
from tests.test_api_permissions import APPLICATION

HEADER = ["Email (Email)", "Họ và tên (Full name)", "Điểm (Score)"]
ROW = ["an@example.vn", "Nguyễn Văn An", "85"]


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Expert)),
        )


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_the_rule_refuses_controls_and_keeps_lines_and_tabs(char):
    assert control_characters_anywhere(f"Nguyễn{char}An")
    assert not control_characters_anywhere("dòng một\r\ndòng hai\tcột")


@pytest.mark.parametrize("url", ["/verify/NSCL%00X", "/api/v1/verify/NSCL%00X", "/me%01"])
def test_control_characters_in_a_path_name_nothing(app, client, url):
    before = _counts(app)
    assert client.get(url).status_code == 404
    assert _counts(app) == before


@pytest.mark.parametrize(
    "url",
    [
        "/verify/NSCL-2026-000001?code=%00",
        "/register?q=%00",
        "/register?q%00=x",
        "/api/v1/verify/NSCL-2026-000001?code=%00",
        "/login?next=/experts%00",
    ],
)
def test_control_characters_in_urls_are_a_400(app, client, url):
    before = _counts(app)
    response = client.get(url)
    assert response.status_code == 400
    assert _counts(app) == before


def test_the_sign_in_form_with_a_nul_is_a_400_and_writes_nothing(app, client):
    account = create_account(app, "officer")
    before = _counts(app)
    for data in (
        {"email": account.email + "\x00", "password": "x"},
        {"email": account.email, "password": "correct horse\x00"},
    ):
        assert client.post("/login", data=data).status_code == 400
    assert _counts(app) == before


def test_a_web_form_with_a_nul_is_a_400_and_writes_nothing(app, client, login_as):
    login_as("officer")
    before = _counts(app)
    form = {**APPLICATION, "full_name": "Lê\x00Văn Ứng", "consent_scheme_rules": "y"}
    assert client.post("/apply", data=form).status_code == 400
    assert _counts(app) == before


def test_an_api_body_with_a_nul_is_refused_naming_the_field_and_writes_nothing(app, client, api_as):
    _, officer = api_as("officer")
    before = _counts(app)
    for body, field in (
        ({**APPLICATION, "full_name": "Lê\u0000Văn Ứng"}, "full_name"),
        ({**APPLICATION, "extra": ["ok", {"deep": "\u0007"}]}, "extra"),
    ):
        response = client.post("/api/v1/experts", json=body, headers=officer)
        assert response.status_code == 422
        assert list(response.json["error"]["fields"]) == [field]
    response = client.post(
        "/api/v1/experts", json={**APPLICATION, "sector\u0000": "x"}, headers=officer
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert _counts(app) == before


def test_bidi_controls_are_stripped_from_names(app, client, api_as):
    assert clean_text("Nguy\u202eễn Văn\u2066 An\u200f") == "Nguyễn Văn An"
    _, officer = api_as("officer")
    body = {**APPLICATION, "full_name": "\u202eLê Văn Ứng"}
    response = client.post("/api/v1/experts", json=body, headers=officer)
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Expert, response.json["id"]).full_name == "Lê Văn Ứng"


def test_bidi_controls_are_never_printed_on_a_certificate():
    from registry.certificates.pdf import markup, printable

    assert printable("Lê Văn \u202eỨng") == "Lê Văn Ứng"
    assert markup("\u2067Lê <Văn>\u2069") == "Lê &lt;Văn&gt;"


def _workbook_with_doctype(doctype, part="xl/worksheets/sheet1.xml"):
    original = zipfile.ZipFile(io.BytesIO(xlsx_file(HEADER, [ROW])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            content = original.read(info.filename)
            if info.filename == part:
                body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
                content = b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + body
            out.writestr(info.filename, content)
    return buffer.getvalue()


BOMB = (
    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
EXTERNAL = b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("doctype", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_a_workbook_with_entities_is_refused_with_a_clear_message(ctx_en, doctype):
    with pytest.raises(FileProblem, match="XML entity declarations or external references"):
        read_table(_workbook_with_doctype(doctype), "kq.xlsx", RESULT_COLUMNS, max_rows=100)


def test_blank_rows_count_toward_the_budget(ctx_en):
    data = csv_file(HEADER, [ROW] + [["", "", ""]] * 1200 + [ROW])
    with pytest.raises(FileProblem, match="blank rows count too"):
        read_table(data, "kq.csv", RESULT_COLUMNS, max_rows=100)
    rows, errors = read_table(data, "kq.csv", RESULT_COLUMNS, max_rows=2000)
    assert len(rows) == 2 and not errors


def test_a_workbook_with_a_far_away_cell_stops_at_the_budget(ctx_en):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(row=500_000, column=1, value="x")  # half a million empty rows in between
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(FileProblem, match="blank rows count too"):
        read_table(buffer.getvalue(), "kq.xlsx", RESULT_COLUMNS, max_rows=100)


def test_reading_stops_after_the_time_budget(ctx_en):
    with pytest.raises(FileProblem, match="too long to read"):
        read_table(
            csv_file(HEADER, [ROW] * 50), "kq.csv", RESULT_COLUMNS, max_rows=100, max_seconds=-1
        )


# openpyxl itself refuses to write C0 controls in a cell; DEL it writes.
@pytest.mark.parametrize(
    ("make", "char"), [(csv_file, "\x00"), (xlsx_file, "\x7f")], ids=["csv", "xlsx"]
)
def test_a_cell_with_a_control_character_refuses_the_file(ctx_en, make, char):
    data = make(HEADER, [ROW, ["binh@example.vn", f"Trần{char}Bình", "70"]])
    with pytest.raises(FileProblem, match="Row 3 holds a control character"):
        read_table(data, "kq.xlsx" if make is xlsx_file else "kq.csv", RESULT_COLUMNS, max_rows=100)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/registry.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:9/registry?connect_timeout=2",
    ],
    ids=["sqlite", "postgresql"],
)
def test_a_database_that_does_not_answer_gives_503_try_again(tmp_path, url):
    app = make_app(url, tmp_path)
    client = app.test_client()
    page = client.get("/verify/NSCL-2026-000001?code=ABCD")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "Thử lại" in page.text or "thử lại" in page.text
    signing_in = client.post("/login", data={"email": "a@example.vn", "password": "x"})
    assert signing_in.status_code == 503
    api = client.get("/api/v1/verify/NSCL-2026-000001?code=ABCD")
    assert api.status_code == 503
    assert api.json["error"]["code"] == "unavailable"
