"""Reading import files: the encodings and separators Excel produces, XLSX, limits, templates."""

import codecs
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from registry.centres.imports import ImportOutcome
from registry.centres.imports.enrolments import COLUMNS as ENROLMENT_COLUMNS
from registry.centres.imports.files import (
    FileProblem,
    read_limited,
    read_table,
    template_csv,
    template_xlsx,
)
from registry.exams.imports import COLUMNS as RESULT_COLUMNS
from tests.factories import csv_file, xlsx_file

HEADER = ["Email (Email)", "Họ và tên (Full name)", "Điểm (Score)"]
ROWS = [["an@example.vn", "Nguyễn Văn An", "85"], ["binh@example.vn", "Trần Thị Bình", "70"]]
EXPECTED = [
    {"email": "an@example.vn", "full_name": "Nguyễn Văn An", "score": "85"},
    {"email": "binh@example.vn", "full_name": "Trần Thị Bình", "score": "70"},
]


def read(data, filename="ket-qua.csv", max_rows=100):
    rows, errors = read_table(data, filename, RESULT_COLUMNS, max_rows=max_rows)
    return rows, errors


def values(rows):
    return [row.values for row in rows]


@pytest.mark.parametrize(
    "data",
    [
        csv_file(HEADER, ROWS, bom=True),  # Excel: "CSV UTF-8"
        csv_file(HEADER, ROWS),  # UTF-8 without BOM
        csv_file(HEADER, ROWS, delimiter=";", bom=True),  # Excel where ; separates lists
        csv_file(HEADER, ROWS, delimiter=";"),
        csv_file(HEADER, ROWS, delimiter="\t", encoding="utf-16"),  # Excel: "Unicode text"
    ],
    ids=["utf8-bom", "utf8", "semicolon-bom", "semicolon", "utf16-tab"],
)
def test_csv_as_excel_saves_it(data):
    rows, errors = read(data)
    assert errors == []
    assert values(rows) == EXPECTED
    assert [row.number for row in rows] == [2, 3]  # the header is row 1


def test_xlsx_cells_keep_their_types():
    data = xlsx_file(
        ["Email (Email)", "Điểm (Score)", "Ngày (Date)"],
        [["an@example.vn", 85.0, datetime(2026, 5, 20)], ["binh@example.vn", 70, None]],
    )
    rows, errors = read_table(data, "ket-qua.xlsx", RESULT_COLUMNS, max_rows=10)
    assert errors == []
    assert rows[0].values == {"email": "an@example.vn", "score": 85}
    assert isinstance(rows[0].values["score"], int)


def test_headers_may_be_vietnamese_english_or_without_accents():
    data = csv_file(["EMAIL", "ho va ten", "Score"], ROWS)
    rows, errors = read(data)
    assert errors == [] and values(rows) == EXPECTED


def test_blank_rows_are_skipped_and_numbers_stay_those_of_the_sheet():
    data = csv_file(HEADER, [ROWS[0], ["", "", ""], ROWS[1], [], [""]])
    rows, errors = read(data)
    assert errors == []
    assert [row.number for row in rows] == [2, 4]


def test_extra_columns_are_ignored():
    data = csv_file([*HEADER, "Ghi chú (Notes)"], [[*ROWS[0], "vắng 1 buổi"]])
    rows, errors = read(data)
    assert errors == [] and values(rows) == EXPECTED[:1]


def test_a_missing_required_column_is_named(ctx_en):
    rows, errors = read(csv_file(["Email (Email)", "Họ và tên (Full name)"], ROWS))
    assert rows == []
    (error,) = errors
    assert (error.row, error.column.key, str(error.message)) == (
        1,
        "score",
        "This column is missing.",
    )


def test_a_column_given_twice_is_refused(ctx_en):
    _rows, errors = read(csv_file([*HEADER, "Score"], [[*ROWS[0], "90"]]))
    assert [(e.row, e.column.key, str(e.message)) for e in errors] == [
        (1, "score", "This column appears twice.")
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        ("Email;Score\nan@example.vn;café\n".encode("latin-1"), "x.csv", "not in UTF-8"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "ket-qua.xls", "Old Excel files"),
        (b"PK\x03\x04 not really a zip", "ket-qua.xlsx", "cannot be read as an Excel workbook"),
        (b"", "x.csv", None),
    ],
    ids=["latin-1", "xls", "damaged-xlsx", "empty"],
)
def test_unreadable_files_are_refused_whole(ctx_en, data, filename, message):
    if message is None:
        _rows, errors = read(data, filename)
        assert [str(e.message) for e in errors] == ["The file is empty."]
        return
    with pytest.raises(FileProblem, match=message):
        read(data, filename)


def test_a_workbook_that_unpacks_to_a_huge_size_is_refused(ctx_en):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"\0" * (101 * 1024 * 1024))
    with pytest.raises(FileProblem, match="too large once unpacked"):
        read(buffer.getvalue(), "bom.xlsx")


def test_a_header_without_rows_is_refused(ctx_en):
    _rows, errors = read(csv_file(HEADER, []))
    assert [str(e.message) for e in errors] == ["The file has a header but no rows."]


def test_row_limit(ctx_en):
    _rows, errors = read(csv_file(HEADER, ROWS * 3), max_rows=5)
    (error,) = errors
    assert error.row == 7 and "more than 5 rows" in str(error.message)


def test_size_limit(ctx_en):
    assert read_limited(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    with pytest.raises(FileProblem, match="larger than"):
        read_limited(io.BytesIO(b"x" * 11), 10)


def test_csv_template_is_utf8_with_bom_and_bilingual_headers():
    data = template_csv(RESULT_COLUMNS)
    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode("utf-8").strip() == "Email (Email),Họ và tên (Full name),Điểm (Score)"
    rows, errors = read(data + b"an@example.vn,,85\r\n")
    assert errors == [] and rows[0].values["score"] == "85"


@pytest.mark.parametrize(
    "columns", [RESULT_COLUMNS, ENROLMENT_COLUMNS], ids=["results", "enrolments"]
)
def test_xlsx_template_reads_back(columns):
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(columns)))
    data_sheet, guide = workbook.worksheets
    assert [c.value for c in data_sheet[1]] == [c.header for c in columns]
    assert "Mã khóa học (Course code)" in [c.header for c in ENROLMENT_COLUMNS]
    assert guide.title == "Hướng dẫn (Instructions)"
    assert guide.max_row == len(columns) + 1
    # Filled in by a user, the template imports.
    data_sheet.append(["an@example.vn" if c.key == "email" else None for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows, errors = read_table(buffer.getvalue(), "mau.xlsx", columns, max_rows=10)
    assert errors == [] and rows[0].values["email"] == "an@example.vn"
    assert set(rows[0].values) == {c.key for c in columns}


def test_outcome_orders_errors_by_row_then_column():
    outcome = ImportOutcome()
    outcome.error(5, RESULT_COLUMNS[2], "b")
    outcome.error(2, RESULT_COLUMNS[0], "a")
    outcome.error(None, None, "file")
    assert [e.message for e in outcome.sorted_errors()] == ["file", "a", "b"]
    assert not outcome.ok


def test_dates_are_read_in_the_vietnamese_order():
    from registry.centres.imports import read_date

    assert read_date("05/04/2026") == date(2026, 4, 5)
    assert read_date("2026-04-05") == date(2026, 4, 5)
    assert read_date(datetime(2026, 4, 5, 0, 0)) == date(2026, 4, 5)
