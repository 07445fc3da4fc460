"""Running a unit of work that reads and then writes, on SQLite as on PostgreSQL."""

from flask import request

from registry.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app):
    @app.before_request
    def lock_sqlite_before_a_write_request():
        """On SQLite, a request that may write (any method but GET, HEAD, OPTIONS) takes the
        write lock before its first read, for the reason given in `commit_with_retry`: an
        import that reads for a second and then writes would otherwise fail when anyone
        saved anything meanwhile. Other writers wait their turn (busy timeout); readers
        never wait. On PostgreSQL nothing changes."""
        if request.method not in SAFE_METHODS and db.engine.dialect.name == "sqlite":
            db.session.connection(execution_options={"sqlite_immediate": True})


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
