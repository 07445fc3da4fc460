"""Statements run on the driver's cursor (registry.database.DriverStatement) and the check's
own connection (registry.transactions.log_connection), on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from registry.audit.models import VerificationCheck
from registry.audit.service import log_verification
from registry.certificates.models import Certificate
from registry.certificates.verification import _PRINTED, _printed
from registry.enums import CertificateLevel, CertificateStatus
from registry.extensions import db
from registry.transactions import log_connection
from tests.factories import issued_certificate

HOLDER = "Nguyễn Thị <b>Ánh</b> & Đức"


def test_a_row_read_on_the_driver_is_the_row_sqlalchemy_reads(ctx):
    certificate = issued_certificate(full_name=HOLDER)
    db.session.commit()
    expected = db.session.execute(_printed.where(Certificate.number == certificate.number)).one()
    with log_connection() as connection:
        row = connection.first(_PRINTED, number=certificate.number)
        missing = connection.first(_PRINTED, number="NSCL-QG-2026-99999")
    assert tuple(row) == tuple(expected)
    assert row._fields == tuple(expected._mapping.keys())
    # Typed by the columns' own types, as SQLAlchemy gives them.
    assert row.holder_name == HOLDER
    assert row.level is CertificateLevel.NATIONAL and row.status is CertificateStatus.VALID
    assert type(row.issued_on) is date and type(row.valid_until) is date
    assert missing is None


def test_a_row_written_on_the_driver_reads_back_through_the_orm(ctx):
    with log_connection() as connection:
        log_verification(
            connection,
            number="NSCL-QG-2026-00001",
            certificate_id=None,
            outcome="no_match",
            client="203.0.113.7",
        )
    check = db.session.scalars(sa.select(VerificationCheck)).one()
    assert (check.number, check.certificate_id, check.outcome) == (
        "NSCL-QG-2026-00001",
        None,
        "no_match",
    )
    assert (check.client, check.actor_id, check.actor_label) == ("203.0.113.7", None, "anonymous")
    # Stored in UTC and read back aware (registry.database.UTCDateTime).
    assert check.checked_at.tzinfo is UTC
    assert abs(datetime.now(UTC) - check.checked_at).total_seconds() < 60


def test_a_log_block_that_fails_writes_nothing(ctx, backend):
    with pytest.raises(RuntimeError), log_connection() as connection:
        log_verification(connection, number="N", certificate_id=None, outcome="no_match")
        if backend == "sqlite":
            # The INSERT committed by itself; what runs after it is the caller's to order.
            raise RuntimeError("after the last step")
        raise RuntimeError("before the commit")
    logged = db.session.scalar(sa.select(sa.func.count(VerificationCheck.id)))
    assert logged == (1 if backend == "sqlite" else 0)


def test_decisions_are_synced_to_disk_on_a_connection_that_logged_checks(ctx, backend):
    """The check's commit may skip waiting for the disk; nothing after it on the same
    pooled connection may."""
    db.engine.dispose()  # an empty pool: the next checkout gets the check's connection back
    with log_connection() as connection:
        used = connection.dbapi.driver_connection
    with db.engine.begin() as conn:
        assert conn.connection.driver_connection is used
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        else:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
