"""The periodic tasks, run at once (the queue's immediate mode in tests)."""

from datetime import timedelta

import sqlalchemy as sa

from registry.enums import ExpertStatus
from registry.experts.models import Expert
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.targets.counting import today
from registry.tasks.jobs import daily_expiry, daily_reminders, expire_lapsed
from tests.factories import Walk, issued_certificate


def test_the_daily_expiry_expires_lapsed_experts_once(ctx):
    expert = Walk().certified(certified_on=today() - timedelta(days=4 * 365))
    db.session.commit()
    expert_id = expert.id
    daily_expiry.call_local()
    db.session.rollback()  # end this read: the task committed in a session of its own
    assert db.session.get(Expert, expert_id).status == ExpertStatus.EXPIRED
    assert expire_lapsed(today()) == ([], [])  # a second run finds nobody


def test_the_daily_reminders_queue_each_reminder_once(ctx):
    certificate = issued_certificate(issued_on=today() - timedelta(days=3 * 365 - 7))
    certificate.valid_until = today() + timedelta(days=7)
    db.session.commit()
    daily_reminders.call_local()
    daily_reminders.call_local()
    keys = db.session.scalars(
        sa.select(OutboxMessage.key).where(OutboxMessage.kind == "expiry_reminder")
    ).all()
    assert keys == [f"expiry_7:certificate:{certificate.id}"]
