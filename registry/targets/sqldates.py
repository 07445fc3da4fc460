"""Calendar functions computed by the database, written for SQLite and PostgreSQL."""

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_date(FunctionElement):
    """The Viet Nam calendar day of a UTC timestamp, computed by the database."""

    type = sa.Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date)
def _local_date_postgresql(element, compiler, **kw):
    return f"CAST(timezone('Asia/Ho_Chi_Minh', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    # SQLite keeps naive UTC text. The fraction is cut because SQLite rounds it to the
    # millisecond (23:59:59.9999 would become the next day); Viet Nam is UTC+7 without
    # daylight saving since 1975.
    return f"date(substr({compiler.process(element.clauses, **kw)}, 1, 19), '+7 hours')"


class month_key(FunctionElement):
    """'YYYYMM' of a date, computed by the database."""

    type = sa.String()
    name = "month_key"
    inherit_cache = True


@compiles(month_key)
def _month_key_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYYMM')"


@compiles(month_key, "sqlite")
def _month_key_sqlite(element, compiler, **kw):
    # Dates are 'YYYY-MM-DD' text in SQLite: cheaper than strftime() twice.
    column = compiler.process(element.clauses, **kw)
    return f"(substr({column}, 1, 4) || substr({column}, 6, 2))"
