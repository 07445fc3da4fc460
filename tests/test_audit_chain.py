"""The audit log's hash chain: intact when untouched, broken and named when tampered with."""

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.audit.service import record_event, verify_chain
from registry.extensions import db


def _events(n):
    ids = [
        record_event("test.event", object_type="registry", object_id=i, details={"i": i}).id
        for i in range(n)
    ]
    db.session.commit()
    return ids


def _drop_append_only_guard():
    """What a rogue database administrator would do first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        )
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


def test_untouched_chain_verifies(ctx, runner):
    _events(5)
    assert verify_chain().ok
    result = runner.invoke(args=["registry", "audit-verify"])
    assert result.exit_code == 0
    assert "5 events checked" in result.output


def test_each_event_links_to_the_one_before(ctx):
    ids = _events(3)
    events = [db.session.get(AuditEvent, i) for i in ids]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash


def test_an_altered_event_is_named(ctx, runner):
    ids = _events(5)
    _drop_append_only_guard()
    db.session.execute(
        sa.text("UPDATE audit_events SET actor_label = 'someone@else.vn' WHERE id = :id"),
        {"id": ids[2]},
    )
    db.session.commit()
    report = verify_chain()
    assert report.broken_id == ids[2]
    result = runner.invoke(args=["registry", "audit-verify"])
    assert result.exit_code != 0
    assert f"broken at event {ids[2]}" in result.output


def test_a_deleted_event_is_found_at_the_next_one(ctx):
    ids = _events(5)
    _drop_append_only_guard()
    db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    assert verify_chain().broken_id == ids[2]


def test_an_inserted_event_is_named(ctx):
    ids = _events(3)
    forged = AuditEvent(
        occurred_at=db.session.get(AuditEvent, ids[2]).occurred_at,
        actor_label="forger",
        action="test.forged",
        object_type="registry",
        details={},
        prev_hash=db.session.get(AuditEvent, ids[0]).hash,
        hash="f" * 64,
    )
    db.session.add(forged)
    db.session.commit()
    report = verify_chain()
    assert report.broken_id == forged.id
