"""Running a unit of work that reads and then writes, on SQLite as on PostgreSQL."""

from registry.extensions import db


def commit_with_retry(operation):
    """Run `operation()` in a transaction of its own and commit; returns what it returned.

    On SQLite a transaction that reads first and then writes fails at once ("database is
    locked"), whatever the busy timeout, when another connection committed in between. So
    the unit of work starts with BEGIN IMMEDIATE there: it takes the write lock first and
    waits its turn (busy timeout) instead. PostgreSQL waits on row and advisory locks anyway.
    Call it before the request has written anything: what was read before is let go.
    """
    db.session.rollback()  # end the request's read-only transaction, if one began
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_immediate": True})
    result = operation()
    db.session.commit()
    return result
