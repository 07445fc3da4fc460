"""Verification checks: logged side by side, then sealed into the hash chain, each once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from registry.audit.models import AuditEvent, VerificationCheck, VerificationSeal
from registry.audit.service import VERIFIED, seal_verifications, verify_chain
from registry.extensions import db
from registry.transactions import commit_with_retry
from tests.factories import issued_certificate


@pytest.fixture
def certificate(app):
    """(number, code, id) of an issued certificate; verification limits lifted."""
    app.config["REGISTRY_VERIFY_RATE_LIMIT"] = "100000 per minute"
    with app.app_context():
        found = issued_certificate(full_name="Trần Thị Thu Hà")
        db.session.commit()
        result = (found.number, found.verification_code, found.id)
        db.session.remove()
    return result


def _verify(client, number, code):
    return client.get(f"/api/v1/verify/{number}", query_string={"code": code})


def _sealed_events(app):
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == VERIFIED).order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return events


def _check_ids(app):
    with app.app_context():
        ids = db.session.scalars(sa.select(VerificationCheck.id).order_by(VerificationCheck.id))
        result = list(ids)
        db.session.remove()
    return result


@pytest.mark.parametrize("table", ["verification_checks", "verification_seals"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id + 100", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_checks_or_seals(app, client, certificate, table, statement):
    _verify(client, *certificate[:2])
    with app.app_context():
        commit_with_retry(seal_verifications)
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement.format(table=table)))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table))) == 1


def test_a_sealed_check_keeps_its_own_time_and_verifier(app, client, certificate, login_as):
    officer = login_as("officer")
    number, code, certificate_id = certificate
    assert client.get(f"/verify/{number}", query_string={"code": code}).status_code == 200
    with app.app_context():
        check = db.session.scalars(sa.select(VerificationCheck)).one()
        # Something else happens in between: the check's event still carries the check's time.
        from registry.audit.service import record_event

        record_event("test.later", object_type="thing")
        db.session.commit()
        assert commit_with_retry(seal_verifications) == 1
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == VERIFIED)).one()
        assert event.occurred_at == check.checked_at
        assert (event.actor_id, event.actor_label) == (officer.id, officer.email)
        assert (event.object_type, event.object_id) == ("certificate", str(certificate_id))
        assert event.details == {
            "number": number,
            "outcome": "valid",
            "client": "127.0.0.1",
            "check": check.id,
        }
        seal = db.session.scalars(sa.select(VerificationSeal)).one()
        assert (seal.through_check_id, seal.checks) == (check.id, 1)
        db.session.remove()


def test_audit_verify_seals_first_then_names_an_altered_check(
    app, client, runner, backend, certificate
):
    number, code, _id = certificate
    for guess in (code, "wrong", code):
        _verify(client, number, guess)
    result = runner.invoke(args=["registry", "audit-verify"])
    assert result.exit_code == 0, result.output
    assert "Sealed 3 verification checks into the audit chain first." in result.output
    assert "Audit chain intact" in result.output

    # Someone turns the failed guess into a success, behind the application's back.
    target = _sealed_events(app)[1]
    with app.app_context(), db.engine.begin() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        else:
            conn.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
        details = dict(target.details, outcome="valid")
        conn.execute(
            sa.update(AuditEvent).where(AuditEvent.id == target.id).values(details=details)
        )
    result = runner.invoke(args=["registry", "audit-verify"])
    assert result.exit_code != 0
    assert f"Audit chain broken at event {target.id}" in result.output


def test_checks_logged_during_sealing_are_each_sealed_once(app, certificate):
    """Verifiers and a sealer at once: in the end each check is in the chain exactly once."""
    number, code, _id = certificate
    done = threading.Event()

    def verifier(_):
        with app.test_client() as worker:
            return [_verify(worker, number, code).status_code for _ in range(15)]

    def sealer():
        with app.app_context():
            while not done.is_set():
                commit_with_retry(seal_verifications)
            db.session.remove()

    thread = threading.Thread(target=sealer)
    thread.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = [s for batch in pool.map(verifier, range(4)) for s in batch]
    finally:
        done.set()
        thread.join()
    assert statuses == [200] * 60
    with app.app_context():
        commit_with_retry(seal_verifications)
        db.session.remove()
    sealed = [event.details["check"] for event in _sealed_events(app)]
    assert sorted(sealed) == _check_ids(app) and len(set(sealed)) == 60
    with app.app_context():
        assert verify_chain().ok
        db.session.remove()


def test_a_check_committed_late_is_not_left_behind(app, backend, certificate):
    """PostgreSQL hands out ids before commit: check 1 may commit after check 2. The sealer
    must wait for it rather than seal through 2 and never look back."""
    if backend == "sqlite":
        pytest.skip("real concurrency needs PostgreSQL (SQLite has one writer at a time)")
    row = {
        "number": certificate[0],
        "outcome": "valid",
        "actor_label": "anonymous",
        "checked_at": sa.func.now(),
    }
    with app.app_context():
        slow = db.engine.connect()
        slow_transaction = slow.begin()
        slow.execute(sa.insert(VerificationCheck).values(row))  # id 1, not committed
        with db.engine.begin() as fast:
            fast.execute(sa.insert(VerificationCheck).values(row))  # id 2, committed

        sealed = []

        def seal():
            with app.app_context():
                sealed.append(commit_with_retry(seal_verifications))
                db.session.remove()

        thread = threading.Thread(target=seal)
        thread.start()
        try:
            time.sleep(0.5)
            waited = thread.is_alive()
            slow_transaction.commit()
        finally:
            slow.close()
            thread.join(timeout=10)
        assert waited, "the sealer did not wait for the check still being written"
        assert sealed == [2]
        db.session.remove()
    assert sorted(event.details["check"] for event in _sealed_events(app)) == [1, 2]


def test_the_auditor_sees_a_check_at_once(app, client, certificate, login_as):
    number, code, _id = certificate
    with app.test_client() as public:
        assert _verify(public, number, code).status_code == 200
    login_as("auditor")
    page = client.get("/audit/", query_string={"action": VERIFIED}).get_data(as_text=True)
    assert number in page
    assert len(_sealed_events(app)) == 1
