"""Reading an uploaded CSV or XLSX file into import rows, and writing the blank templates.

CSV: UTF-8 with or without BOM (Excel's "CSV UTF-8"), UTF-16 with BOM (Excel's "Unicode
text"); comma, semicolon or tab separated, whichever the header line uses.
XLSX: the first sheet, read with openpyxl in read-only mode. openpyxl parses through
defusedxml when it is installed (a dependency): entity expansion ("billion laughs") and
external entities are refused, and such a file answers a clear error.
Every record read, blank ones included, counts toward the row limit, and reading stops
after REGISTRY_IMPORT_MAX_SECONDS: a sheet of a million empty rows cannot hold a worker.
Control characters (NUL...) in a cell refuse the whole file (registry/text.py).
"""

import codecs
import csv
import io
import time
import warnings
import zipfile
from datetime import datetime

import defusedxml
import openpyxl
from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Alignment, Font, PatternFill

from registry.centres.imports import Row, RowError, blank
from registry.text import control_characters_anywhere, search_key

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
# A workbook that unpacks to more than this is refused before openpyxl opens it.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
_DELIMITERS = (",", ";", "\t")
# Defaults of REGISTRY_IMPORT_MAX_BYTES and REGISTRY_IMPORT_MAX_ROWS: a 20,000-row
# results file is about 1 MB as CSV.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
DEFAULT_MAX_SECONDS = 10
# Blank records (trailing formatted rows, gaps) allowed beyond the row limit.
BLANK_ALLOWANCE = 1_000


class FileProblem(ValueError):
    """The upload cannot be read at all; the message says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def read_limited(stream, max_bytes):
    """The bytes of an uploaded file, refusing one larger than `max_bytes`."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileProblem(
            _l(
                "The file is larger than %(size)s MB. Split it into smaller files.",
                size=round(max_bytes / 1024 / 1024, 1),
            )
        )
    return data


def read_table(data, filename, columns, *, max_rows, max_seconds=DEFAULT_MAX_SECONDS):
    """(rows, errors): the file's data rows keyed by column, and problems with its header."""
    name = (filename or "").lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise FileProblem(_l("Old Excel files (.xls) are not read: save the file as .xlsx or CSV."))
    if data.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        records = _xlsx_records(data)
    else:
        records = _csv_records(data)
    records = _within_budget(records, max_rows + BLANK_ALLOWANCE, max_seconds)
    return _rows(records, columns, max_rows)


def _within_budget(records, max_records, max_seconds):
    """The records, refusing the file past `max_records` (blank ones count) or the time."""
    deadline = time.monotonic() + max_seconds
    for count, record in enumerate(records, start=1):
        if count > max_records:
            raise FileProblem(
                _l(
                    "The file has more than %(count)s rows (blank rows count too): split it "
                    "or delete the empty rows.",
                    count=max_records,
                )
            )
        if time.monotonic() > deadline:
            raise FileProblem(_l("The file takes too long to read: split it into smaller files."))
        if control_characters_anywhere(record):
            raise FileProblem(
                _l(
                    "Row %(row)s holds a control character (such as NUL), which the registry "
                    "does not accept. Remove it and import again.",
                    row=count,
                )
            )
        yield record


def _decode(data):
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(
            _l('The file is not in UTF-8. In Excel, save it as "CSV UTF-8" or as .xlsx.')
        ) from None


def _csv_records(data):
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise FileProblem(_l("The CSV file is malformed: %(problem)s", problem=str(exc))) from None


def _xlsx_records(data):
    if not openpyxl.DEFUSEDXML:  # OPENPYXL_DEFUSEDXML=False would turn the protection off
        raise FileProblem(_l("The file cannot be read as an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblem(_l("The file cannot be read as an Excel workbook (.xlsx).")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(_l("The workbook is too large once unpacked."))
    try:
        with warnings.catch_warnings():
            # Workbooks saved by other programs trigger harmless style warnings.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise _unreadable(exc) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong sheet size
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    except Exception as exc:  # a damaged sheet, found while reading it
        raise _unreadable(exc) from None
    finally:
        workbook.close()


def _unreadable(exc):
    """The FileProblem for an error openpyxl raised: defusedxml's refusal is said as such
    (openpyxl wraps it in a ValueError of its own)."""
    while exc is not None:
        if isinstance(exc, defusedxml.DefusedXmlException):
            return FileProblem(
                _l(
                    "The workbook contains XML entity declarations or external references, "
                    "which the registry does not read. Save it again from Excel or "
                    "LibreOffice as .xlsx."
                )
            )
        exc = exc.__cause__ or exc.__context__
    return FileProblem(_l("The file cannot be read as an Excel workbook (.xlsx)."))


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(records, columns, max_rows):
    by_alias = {alias: column for column in columns for alias in column.aliases()}
    errors = []
    rows = []
    positions = None
    for number, record in enumerate(records, start=1):
        if all(blank(v) for v in record):
            continue
        if positions is None:
            positions = _header(record, number, by_alias, columns, errors)
            if errors:
                return [], errors
            continue
        if len(rows) >= max_rows:
            errors.append(
                RowError(
                    number,
                    None,
                    _l("The file has more than %(count)s rows: split it.", count=max_rows),
                )
            )
            return [], errors
        values = {
            column.key: record[index] if index < len(record) else None
            for index, column in positions.items()
        }
        rows.append(Row(number, values))
    if positions is None:
        errors.append(RowError(None, None, _l("The file is empty.")))
    elif not rows:
        errors.append(RowError(None, None, _l("The file has a header but no rows.")))
    return rows, errors


def _header(record, number, by_alias, columns, errors):
    positions = {}
    for index, cell in enumerate(record):
        if blank(cell):
            continue
        column = by_alias.get(search_key(str(cell)))
        if column is None:
            continue  # extra columns (notes, row numbers) are ignored
        if column in positions.values():
            errors.append(RowError(number, column, _l("This column appears twice.")))
        positions[index] = column
    for column in columns:
        if column.required and column not in positions.values():
            errors.append(RowError(number, column, _l("This column is missing.")))
    return positions


def template_csv(columns, rows=()):
    """A CSV with the header (and `rows` to complete), UTF-8 with BOM for Excel."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in columns])
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def template_xlsx(columns, rows=()):
    """A workbook with a header row (and `rows`) to fill in and a sheet explaining each column."""
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "Dữ liệu (Data)"
    data.append([c.header for c in columns])
    for row in rows:
        data.append(list(row))
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = fill
        data.column_dimensions[cell.column_letter].width = max(18, len(column.header) + 2)
    data.freeze_panes = "A2"
    guide = workbook.create_sheet("Hướng dẫn (Instructions)")
    guide.append(["Cột (Column)", "Bắt buộc (Required)", "Cách ghi (How to fill in)"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in columns:
        guide.append([column.header, "Có (Yes)" if column.required else "Không (No)", column.hint])
    guide.column_dimensions["A"].width = 40
    guide.column_dimensions["B"].width = 20
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    workbook.properties.created = datetime(2026, 1, 1)  # the same bytes on every download
    workbook.properties.modified = datetime(2026, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_upload(storage, columns):
    """(data, rows, errors) of an uploaded file, within the registry's size and row limits:
    its bytes (kept when the import runs in the background), its rows and header problems."""
    max_bytes = current_app.config.get("REGISTRY_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = read_limited(storage.stream, max_bytes)
    return data, *read_within_limits(data, storage.filename, columns)


def read_within_limits(data, filename, columns, *, patience=1):
    """read_table within the registry's row limit and `patience` times its time limit."""
    config = current_app.config
    return read_table(
        data,
        filename,
        columns,
        max_rows=config.get("REGISTRY_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
        max_seconds=patience * config.get("REGISTRY_IMPORT_MAX_SECONDS", DEFAULT_MAX_SECONDS),
    )
