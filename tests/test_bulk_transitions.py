"""lifecycle.transition_many: what transition() writes one by one, in bulk."""

import sqlalchemy as sa

from registry.audit.history_chain import verify_history
from registry.audit.models import AuditEvent
from registry.audit.service import verify_chain
from registry.centres.service import mark_many_trained, mark_trained
from registry.enums import ExpertStatus
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.mail.models import OutboxMessage
from tests.factories import CentreFactory, ExpertFactory, completed_enrolment, staff_of


def _setup():
    centre = CentreFactory()
    staff = staff_of(centre)
    experts = [ExpertFactory() for _ in range(4)]
    # Two of them have history already: their chains continue from it.
    for expert in experts[:2]:
        db.session.add(StatusChange(expert_id=expert.id, to_status=ExpertStatus.APPLIED))
    pairs = [(e, completed_enrolment(e, centre=centre, staff=staff)) for e in experts]
    # A fifth applicant whose completion does not meet the guard (too few hours).
    short = ExpertFactory()
    pairs.append((short, completed_enrolment(short, centre=centre, staff=staff, attended_hours=10)))
    db.session.commit()
    return staff.id, [(e.id, enrolment.id) for e, enrolment in pairs]


def _load(staff_id, ids):
    from registry.auth.models import User
    from registry.centres.models import Enrolment

    staff = db.session.get(User, staff_id)
    return staff, [(db.session.get(Expert, e), db.session.get(Enrolment, n)) for e, n in ids]


def _written(before):
    """What the transitions wrote, ids replaced by their order (comparable across runs)."""
    changes = db.session.scalars(
        sa.select(StatusChange).where(StatusChange.id > before).order_by(StatusChange.id)
    ).all()
    position = {c.id: i for i, c in enumerate(changes)}
    history = [
        (c.expert_id, c.from_status, c.to_status, c.actor_id, c.reason, c.evidence) for c in changes
    ]
    events = []
    for event in db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "expert.transition")
        .order_by(AuditEvent.id)
    ):
        details = dict(event.details)
        details["status_change_id"] = position.get(details["status_change_id"])
        events.append((event.actor_id, event.actor_label, event.object_id, details))
    messages = [
        (
            m.kind,
            m.key.rsplit(":", 1)[0],
            position[int(m.key.rsplit(":", 1)[1])],
            m.to_address,
            m.recipient_id,
            m.locale,
            m.subject,
            m.body_text,
            m.status,
            m.attempts,
        )
        for m in db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == "trained")
            .order_by(OutboxMessage.id)
        )
    ]
    return history, events, messages


def test_bulk_trained_writes_what_one_by_one_writes_and_the_chains_verify(ctx, runner):
    staff_id, ids = _setup()
    before = db.session.scalar(sa.select(sa.func.max(StatusChange.id)))

    staff, pairs = _load(staff_id, ids)
    one_by_one = sum(mark_trained(expert, enrolment, staff) for expert, enrolment in pairs)
    expected = _written(before)
    db.session.rollback()

    staff, pairs = _load(staff_id, ids)
    assert [e.status for e, _n in pairs] == [ExpertStatus.APPLIED] * 5
    bulk = mark_many_trained(pairs, staff)
    assert (one_by_one, bulk) == (4, 4)
    assert _written(before) == expected
    assert len(expected[0]) == 4 and len(expected[1]) == 4 and len(expected[2]) == 4
    assert [e.status for e, _n in pairs] == [ExpertStatus.TRAINED] * 4 + [ExpertStatus.APPLIED]
    assert [e.version for e, _n in pairs][:4] == [2] * 4  # a conditional write each
    db.session.commit()

    assert verify_history().ok and verify_chain().ok
    result = runner.invoke(args=["registry", "audit-verify"])
    assert result.exit_code == 0, result.output


def test_a_bulk_write_on_a_changed_record_is_a_conflict_and_nothing_moves(ctx):
    import pytest

    from registry.experts.lifecycle import Conflict

    staff_id, ids = _setup()
    staff, pairs = _load(staff_id, ids)
    # Someone else changes the third expert after it was read.
    table = Expert.__table__  # the table, not the entity: the loaded objects stay stale
    db.session.execute(
        sa.update(table).where(table.c.id == pairs[2][0].id).values(version=table.c.version + 1)
    )
    with pytest.raises(Conflict):
        mark_many_trained(pairs, staff)
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Expert.id)).where(Expert.status == ExpertStatus.TRAINED)
        )
        == 0
    )
