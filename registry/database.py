"""Declarative base, column types and SQLite connection settings shared by all models."""

import sqlite3
from collections import namedtuple
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so values are stored there as naive UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column_type(enum_cls, name):
    """A string column limited to the enum's values by a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself so that transactions and SAVEPOINTs behave
    # as on PostgreSQL (the pysqlite driver otherwise defers and skips them).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # Each commit is synced to disk, even on a connection that logged checks before
        # (registry.transactions.log_connection relaxes this for its own INSERT).
        set_sqlite_synchronous(conn.connection, "FULL")
        # A unit of work known to write asks for the write lock at once (see
        # registry/transactions.py): it then waits its turn instead of failing later.
        options = conn.get_execution_options()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN")


def set_sqlite_synchronous(connection, level):
    """PRAGMA synchronous = `level` on a pooled SQLite connection, unless it is set already
    (the setting stays with the connection, and so does the note of it in `info`)."""
    info = connection.info
    if info.get("synchronous", "FULL") != level:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA synchronous = {level}")
        cursor.close()
        info["synchronous"] = level


class DriverStatement:
    """A Core statement compiled once per dialect, for `DriverConnection` to run on the
    driver's own cursor.

    For the two statements of a public check, the registry's busiest path: around a cached
    statement, SQLAlchemy's execution (cache key, events, execution context, result object)
    costs ~40 µs per statement here, several times the driver's own work. The statement is
    still written in Core, and values still pass through the columns' types (their bind
    and result processors), so they are stored and read back exactly as by
    `Connection.execute`. No events fire: keep it to statements nothing listens for.
    """

    def __init__(self, statement, column_keys=None):
        self.statement = statement
        self.column_keys = column_keys
        self._compiled = {}

    def compiled(self, dialect):
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(self, dialect)
        return compiled


class _Compiled:
    """A DriverStatement's SQL, bind processors and row processors for one dialect."""

    def __init__(self, driver_statement, dialect):
        statement = driver_statement.statement
        compiled = statement.compile(dialect=dialect, column_keys=driver_statement.column_keys)
        self.sql = compiled.string
        self.order = compiled.positiontup if compiled.positional else None
        self.binds = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        self.dialect = dialect
        if statement.is_select:
            self.columns = list(statement.selected_columns)
            self.Row = namedtuple("Row", statement.selected_columns.keys())
        self._processors = None

    def parameters(self, given):
        values = {}
        for name, process in self.binds.items():
            value = given[name]
            values[name] = value if process is None else process(value)
        if self.order is None:
            return values
        return tuple(values[name] for name in self.order)

    def row(self, cursor, row):
        if self._processors is None:  # the driver's type codes are known after a first run
            self._processors = [
                column.type.dialect_impl(self.dialect).result_processor(
                    self.dialect, description[1]
                )
                for column, description in zip(self.columns, cursor.description, strict=True)
            ]
        return self.Row(
            *(
                value if p is None else p(value)
                for p, value in zip(self._processors, row, strict=True)
            )
        )


class DriverConnection:
    """A DBAPI connection from the engine's pool that runs DriverStatements.

    The driver's errors are raised as SQLAlchemy's (`sqlalchemy.exc.OperationalError` for
    "database is locked", say), as `Connection.execute` raises them, and a connection found
    broken is not handed out again. `close()` gives it back to the pool, which rolls back
    whatever was not committed.
    """

    def __init__(self, engine):
        self.dialect = engine.dialect
        self.dbapi = engine.raw_connection()

    @contextmanager
    def _translated(self, sql, parameters=None, cursor=None):
        try:
            yield
        except self.dialect.loaded_dbapi.Error as error:
            if self.dialect.is_disconnect(error, self.dbapi.dbapi_connection, cursor):
                self.dbapi.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                sql, parameters, error, self.dialect.loaded_dbapi.Error
            ) from error

    def _execute(self, sql, parameters=None):
        cursor = self.dbapi.cursor()
        try:
            with self._translated(sql, parameters, cursor):
                cursor.execute(sql, *([] if parameters is None else [parameters]))
        except BaseException:
            cursor.close()
            raise
        return cursor

    def run(self, statement, **parameters):
        """Run a statement that returns no rows."""
        compiled = statement.compiled(self.dialect)
        self._execute(compiled.sql, compiled.parameters(parameters)).close()

    def first(self, statement, **parameters):
        """The first row (a named tuple, named as the statement's columns), or None."""
        compiled = statement.compiled(self.dialect)
        cursor = self._execute(compiled.sql, compiled.parameters(parameters))
        try:
            row = cursor.fetchone()
            return None if row is None else compiled.row(cursor, row)
        finally:
            cursor.close()

    def exec_driver_sql(self, sql):
        self._execute(sql).close()

    def commit(self):
        with self._translated("COMMIT"):
            self.dbapi.commit()

    def close(self):
        self.dbapi.close()
