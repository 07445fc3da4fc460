"""The hash-chained audit log: append-only in the database, and tampering is named."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from registry.audit.models import AuditEvent
from registry.audit.service import compute_hash, record_event
from registry.extensions import db


def _record_five(app):
    with app.app_context():
        for i in range(1, 6):
            record_event("test.event", object_type="thing", object_id=i, details={"n": i})
        db.session.commit()
        ids = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
        db.session.remove()
    return ids


def _as_rogue_dba(app, backend, *statements):
    """Run raw SQL on audit_events with the append-only triggers out of the way."""
    with app.app_context(), db.engine.begin() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        else:
            conn.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
        for statement, params in statements:
            conn.execute(sa.text(statement), params)
        if backend == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")


def _verify(runner):
    return runner.invoke(args=["registry", "audit-verify"])


def test_an_intact_chain_verifies(app, runner):
    _record_five(app)
    result = _verify(runner)
    assert result.exit_code == 0
    assert "Audit chain intact: 5 events checked." in result.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor_label = 'someone else'",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_to_change_the_log(app, statement):
    _record_five(app)
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 5


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"n": 99}'),
        ("actor_label", "someone.else@example.vn"),
        ("action", "test.other"),
        ("object_id", "42"),
    ],
)
def test_an_edited_event_is_named(app, runner, backend, column, value):
    ids = _record_five(app)
    _as_rogue_dba(
        app,
        backend,
        (
            f"UPDATE audit_events SET {column} = :value WHERE id = :id",
            {"value": value, "id": ids[2]},
        ),
    )
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"Audit chain broken at event {ids[2]}: its content was altered" in result.output


def test_an_edited_event_with_its_hash_recomputed_breaks_the_next_link(app, runner, backend):
    ids = _record_five(app)
    with app.app_context():
        event = db.session.get(AuditEvent, ids[1])
        event.details = {"n": 1000}
        forged_hash = compute_hash(event)
        db.session.rollback()
    _as_rogue_dba(
        app,
        backend,
        (
            "UPDATE audit_events SET details = :details, hash = :hash WHERE id = :id",
            {"details": '{"n": 1000}', "hash": forged_hash, "id": ids[1]},
        ),
    )
    result = _verify(runner)
    assert result.exit_code == 1
    assert (
        f"Audit chain broken at event {ids[2]}: does not follow the event before it"
        in result.output
    )


def test_a_deleted_event_is_named_by_the_one_after_it(app, runner, backend):
    ids = _record_five(app)
    _as_rogue_dba(app, backend, ("DELETE FROM audit_events WHERE id = :id", {"id": ids[2]}))
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"Audit chain broken at event {ids[3]}" in result.output
    assert "inserted or deleted" in result.output


def test_an_inserted_event_is_named(app, runner):
    ids = _record_five(app)
    with app.app_context():
        first = db.session.get(AuditEvent, ids[0])
        # A forged event that claims to follow the first one, appended at the end.
        forged = AuditEvent(
            occurred_at=first.occurred_at,
            actor_id=None,
            actor_label="system",
            action="test.forged",
            object_type="thing",
            object_id="7",
            details={},
            prev_hash=first.hash,
        )
        forged.hash = compute_hash(forged)
        db.session.add(forged)
        db.session.commit()
        forged_id = forged.id
        db.session.remove()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"Audit chain broken at event {forged_id}: does not follow" in result.output
