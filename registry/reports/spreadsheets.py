"""CSV (UTF-8 with BOM, so that Excel reads Vietnamese) and XLSX files from plain rows."""

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

BOM = "\ufeff"
CSV_MIMETYPE = "text/csv"  # Flask adds "; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell beginning with one of these is run as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should hold it; text that would be a formula stays text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else safe_cell(str(value))


def csv_chunks(header, rows, chunk_rows=500):
    """The CSV text in chunks (to stream): BOM, header, rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for i, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if i % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(header, rows):
    return "".join(csv_chunks(header, rows)).encode("utf-8")


def xlsx_bytes(sheets):
    """An XLSX workbook; `sheets` is [(title, header, rows)], the header row in bold."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_xlsx_cell(sheet, h, bold=True) for h in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _xlsx_cell(sheet, value, bold=False):
    if not isinstance(value, str | date):
        return value
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise take "=..." for a formula
    elif not isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY"
    if bold:
        cell.font = Font(bold=True)
    return cell
