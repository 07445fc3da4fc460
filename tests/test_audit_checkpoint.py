"""Audit checkpoints: signed, written outside the database, published; `audit-verify
--against` reports a checkpoint the database no longer reaches. And the status history
is hash-chained; PostgreSQL refuses TRUNCATE on the append-only tables."""

import itertools
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from registry.audit.models import AuditEvent
from registry.audit.service import compute_hash, record_event
from registry.enums import ExpertStatus as S
from registry.experts.models import StatusChange
from registry.extensions import db
from tests.factories import Walk


@pytest.fixture
def checkpoint_dir(app, tmp_path):
    app.config["REGISTRY_AUDIT_CHECKPOINT_DIR"] = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def _history(app):
    """Two experts taken through the lifecycle, and five plain audit events."""
    with app.app_context():
        walk = Walk()
        walk.to(S.CERTIFIED)
        walk.to(S.TRAINED)
        for i in range(1, 6):
            record_event("test.event", object_type="thing", object_id=i, details={"n": i})
        db.session.commit()
        db.session.remove()


def _checkpoint(runner, checkpoint_dir):
    result = runner.invoke(args=["registry", "audit-checkpoint"])
    assert result.exit_code == 0, result.output
    (path,) = sorted(checkpoint_dir.glob("*.json"))[-1:]
    return path


def _verify(runner, *paths):
    args = ["registry", "audit-verify"]
    for path in paths:
        args += ["--against", str(path)]
    return runner.invoke(args=args)


def _as_rogue_dba(app, backend, tables, *statements):
    """Raw SQL with the append-only guards out of the way, as someone with the database."""
    with app.app_context(), db.engine.begin() as conn:
        for table in tables:
            if backend == "sqlite":
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in statements:
            if callable(statement):
                statement(conn)
            else:
                conn.execute(sa.text(statement))


def _recompute_audit_chain(conn):
    """Recompute every hash after an edit, as a careful forger would."""
    rows = conn.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.id)).all()
    prev = "0" * 64
    for row in rows:
        event = AuditEvent(**{**row._mapping, "prev_hash": prev})
        event.occurred_at = row.occurred_at
        new_hash = compute_hash(event)
        conn.execute(
            sa.update(AuditEvent.__table__)
            .where(AuditEvent.__table__.c.id == row.id)
            .values(prev_hash=prev, hash=new_hash)
        )
        prev = new_hash


def test_a_checkpoint_is_signed_written_and_published(app, runner, client, checkpoint_dir):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    document = json.loads(path.read_text())
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        last = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()))
    assert (document["events"], document["last_event_hash"]) == (events, last)
    assert document["signature"].startswith("z") and "#z6Mk" in document["verificationMethod"]
    published = client.get("/audit/checkpoints/latest.json")
    assert published.status_code == 200 and "max-age" in published.headers["Cache-Control"]
    assert json.loads(published.data) == document


def test_the_database_still_reaches_an_old_checkpoint_after_more_events(
    app, runner, checkpoint_dir
):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    _history(app)
    result = _verify(runner, path)
    assert result.exit_code == 0, result.output
    assert "reached" in result.output and "Status history intact" in result.output


def test_events_deleted_at_the_end_are_reported(app, runner, backend, checkpoint_dir):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    _as_rogue_dba(
        app,
        backend,
        ["audit_events"],
        "DELETE FROM audit_events WHERE id > (SELECT MAX(id) - 2 FROM audit_events)",
    )
    result = _verify(runner, path)
    assert result.exit_code != 0
    assert "NOT REACHED" in result.output and "events deleted" in result.output


def test_an_emptied_table_is_reported(app, runner, backend, checkpoint_dir):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    _as_rogue_dba(app, backend, ["audit_events"], "DELETE FROM audit_events")
    result = _verify(runner, path)
    assert result.exit_code != 0
    assert "has 0 events" in result.output


def test_an_edit_with_the_chain_recomputed_is_reported(app, runner, backend, checkpoint_dir):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    _as_rogue_dba(
        app,
        backend,
        ["audit_events"],
        "UPDATE audit_events SET actor_label = 'someone.else@example.vn' WHERE id = 2",
        _recompute_audit_chain,
    )
    plain = _verify(runner)
    assert plain.exit_code == 0  # the chain alone cannot see it
    result = _verify(runner, path)
    assert result.exit_code != 0
    assert "another hash than at the checkpoint" in result.output


def test_a_forged_checkpoint_is_not_trusted(app, runner, checkpoint_dir, tmp_path):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    document = json.loads(path.read_text())
    document["events"] -= 3
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    result = _verify(runner, forged)
    assert result.exit_code != 0
    assert "signature does not match" in result.output


def test_an_edited_status_change_breaks_its_chain(app, runner, backend):
    _history(app)
    _as_rogue_dba(
        app,
        backend,
        ["status_changes"],
        "UPDATE status_changes SET reason = 'khác' WHERE id = 2",
    )
    result = _verify(runner)
    assert result.exit_code != 0
    assert "status history broken at change 2" in result.output


def test_deleted_last_status_changes_are_reported_against_a_checkpoint(
    app, runner, backend, checkpoint_dir
):
    _history(app)
    path = _checkpoint(runner, checkpoint_dir)
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(StatusChange.id)))
    _as_rogue_dba(app, backend, ["status_changes"], f"DELETE FROM status_changes WHERE id = {last}")
    assert _verify(runner).exit_code == 0  # the expert's chain just ends earlier
    result = _verify(runner, path)
    assert result.exit_code != 0
    assert "changes deleted" in result.output


def test_status_changes_are_chained_per_expert(ctx):
    walk = Walk()
    expert = walk.to(S.CERTIFIED)
    changes = db.session.scalars(
        sa.select(StatusChange).where(StatusChange.expert_id == expert.id).order_by(StatusChange.id)
    ).all()
    assert len(changes) >= 2 and changes[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(changes))


@pytest.mark.parametrize("table", ["audit_events", "status_changes", "certificate_credentials"])
def test_postgresql_refuses_truncate(app, backend, table):
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger refuses emptying")
    _history(app)
    with (
        app.app_context(),
        pytest.raises(DBAPIError, match="append-only"),
        db.engine.begin() as conn,
    ):
        conn.execute(sa.text(f"TRUNCATE {table} CASCADE"))


def test_the_migration_chains_existing_changes_as_the_app_does(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        Walk().to(S.CERTIFIED)
        db.session.commit()
        chained = db.session.execute(
            sa.select(StatusChange.id, StatusChange.prev_hash, StatusChange.hash).order_by(
                StatusChange.id
            )
        ).all()
        db.session.remove()
        downgrade(revision="20261129_0401")
        upgrade()
        again = db.session.execute(
            sa.select(StatusChange.id, StatusChange.prev_hash, StatusChange.hash).order_by(
                StatusChange.id
            )
        ).all()
        db.session.remove()
    assert len(chained) >= 2 and again == chained


def test_each_checkpoint_is_mailed_once_to_every_active_auditor(app, runner, checkpoint_dir):
    from registry.enums import Role
    from registry.mail.models import OutboxMessage
    from tests.factories import UserFactory

    _history(app)
    with app.app_context():
        auditor = UserFactory(role=Role.AUDITOR, email="kiem.toan@nscl.gov.vn")
        UserFactory(role=Role.AUDITOR, active=False)
        UserFactory(role=Role.OFFICER)
        db.session.commit()
        auditor_id = auditor.id
    _checkpoint(runner, checkpoint_dir)
    with app.app_context():
        (message,) = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "audit_checkpoint")
        ).all()
        assert (message.recipient_id, message.to_address) == (auditor_id, "kiem.toan@nscl.gov.vn")
        written = next(checkpoint_dir.iterdir()).read_text(encoding="utf-8")
        assert json.loads(written)["signature"] in message.body_text
        assert "Điểm kiểm soát" in message.subject  # the auditor's language: Vietnamese
