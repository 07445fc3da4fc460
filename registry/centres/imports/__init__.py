"""Bulk import: rows in, an outcome with every error out; nothing is written unless all pass.

An import is a pure function of already-read rows (`Row(number, values)`) so that the web
page (which reads a CSV/XLSX file, see `files.py`) and the JSON API share it.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.enums import CLOSED_STATUSES
from registry.experts.models import Expert
from registry.extensions import db
from registry.text import clean_email, clean_text, search_key

# Parameters per IN (...) query: well under SQLite's and PostgreSQL's limits.
CHUNK = 500

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_YES = {"co", "x", "yes", "y", "1", "true", "dung", "da hoan thanh", "hoan thanh"}
_NO = {"khong", "no", "n", "0", "false", "sai", "chua hoan thanh", "chua"}


@dataclass(frozen=True)
class Column:
    """A column of an import: its key, its template header and its translated label."""

    key: str
    header_vi: str
    header_en: str
    label: object  # lazy translated label, used in error messages
    required: bool = False
    hint: str = ""  # shown on the template's instructions sheet (Vietnamese / English)

    @property
    def header(self):
        return f"{self.header_vi} ({self.header_en})"

    def aliases(self):
        """Header spellings accepted for this column, compared accent- and case-insensitively."""
        return {search_key(h) for h in (self.header, self.header_vi, self.header_en, self.key)}


# The columns every import identifies people by.
EMAIL = Column(
    "email",
    "Email",
    "Email",
    _l("Email"),
    required=True,
    hint="Email của chuyên gia đã đăng ký. (The email the expert registered with.)",
)
NAME = Column(
    "full_name",
    "Họ và tên",
    "Full name",
    _l("Full name"),
    hint="Không bắt buộc; nếu có, phải khớp với hồ sơ. (Optional; if given, must match the record.)",
)


@dataclass
class Row:
    number: int  # as the user sees it: the header is row 1 of a spreadsheet
    values: dict


@dataclass
class RowError:
    row: int | None  # None: the problem concerns the whole file
    column: Column | None
    message: object


@dataclass
class ImportOutcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    trained: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def error(self, row, column, message):
        self.errors.append(RowError(row, column, message))

    def sorted_errors(self):
        return sorted(self.errors, key=lambda e: (e.row or 0, e.column.key if e.column else ""))


def rows_from_dicts(items):
    """Rows of an API request (a list of objects), numbered from 1."""
    return [Row(i, dict(item)) for i, item in enumerate(items, start=1)]


class CellError(ValueError):
    """A cell that cannot be read as what its column holds."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def read_row(outcome, row, readers, required):
    """(values, ok): the row's cells, each read by its column's reader, and whether every one
    could be read and every `required` column has a value; each problem is recorded."""
    values, ok = {}, True
    for column, reader in readers:
        try:
            values[column.key] = reader(row.values.get(column.key))
        except CellError as exc:
            outcome.error(row.number, column, exc.message)
            ok = False
    for column in required:
        if column.key in values and values[column.key] is None:
            outcome.error(row.number, column, _l("This cell is required."))
            ok = False
    return values, ok


def blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def read_text(value):
    return None if blank(value) else clean_text(str(value))


def read_int(value):
    if blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_l("Enter a whole number."))
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise CellError(_l("Enter a whole number.")) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(_l("Enter a whole number."))
    return int(number)


def read_date(value):
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_l("Enter a date as DD/MM/YYYY or YYYY-MM-DD."))


def read_bool(value):
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = search_key(str(value))
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(_l("Enter yes or no (có / không)."))


def read_email(value):
    if blank(value):
        return None
    email = clean_email(str(value))
    if not _EMAIL.match(email):
        raise CellError(_l("This is not an email address."))
    return email


@dataclass(frozen=True)
class ExpertRef:
    id: int
    full_name: str
    name_key: str
    status: object
    date_of_birth: object = None


def experts_by_email(emails):
    """The registry's expert for each email (lower case), in a few queries.

    A person may have closed records (rejected, withdrawn) beside an open application; the
    open one wins, then the most recent.
    """
    found = {}
    emails = sorted(set(emails))
    for start in range(0, len(emails), CHUNK):
        rows = db.session.execute(
            sa.select(
                Expert.id,
                Expert.email,
                Expert.full_name,
                Expert.name_key,
                Expert.status,
                Expert.date_of_birth,
            ).where(Expert.email.in_(emails[start : start + CHUNK]))
        )
        for row in rows:
            ref = ExpertRef(row.id, row.full_name, row.name_key, row.status, row.date_of_birth)
            best = found.get(row.email)
            if best is None or _rank(ref) > _rank(best):
                found[row.email] = ref
    return found


def _rank(ref):
    return (ref.status not in CLOSED_STATUSES, ref.id)


def check_name(outcome, row, column, given, expert):
    """A name in the file must be the registry's: it catches a mistyped email that happens
    to belong to someone else. Case and spacing aside, a name with diacritics must match
    exactly ("Lân" is not "Lan"); one typed without any is compared without them."""
    given = clean_text(given)
    if not given:
        return True
    folded = search_key(given)
    if folded == given.casefold():
        same = folded == expert.name_key
    else:
        same = given.casefold() == clean_text(expert.full_name).casefold()
    if not same:
        outcome.error(
            row.number,
            column,
            _l(
                "The name does not match the registry's record for this email (%(name)s).",
                name=expert.full_name,
            ),
        )
    return same
