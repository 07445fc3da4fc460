"""`registry expire` (the daily job), the renewal queue, and the demo data made by the rules."""

from datetime import timedelta

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.enums import CertificateStatus, ExpertStatus
from registry.experts.lifecycle import transition
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.targets.counting import today
from tests.conftest import create_account, sign_in
from tests.factories import Walk, local_moment

LAPSED = 3 * 365 + 10


def _setup(app):
    """One lapsed national expert, one regional whose national lapsed but regional is valid,
    one current, one suspended with a lapsed certificate."""
    with app.app_context():
        walk = Walk()
        lapsed = walk.certified(certified_on=today() - timedelta(days=LAPSED))
        regional = walk.certified(certified_on=today() - timedelta(days=LAPSED))
        evidence = {"reference": "APO-3", "issuing_body": "APO", "issued_on": "2023-01-01"}
        transition(
            regional,
            ExpertStatus.ACCREDITED_REGIONAL,
            actor=walk.officer,
            evidence=evidence,
            at=local_moment(today() - timedelta(days=LAPSED - 60)),
        )
        current = walk.certified()
        suspended = walk.certified(certified_on=today() - timedelta(days=LAPSED))
        transition(
            suspended,
            ExpertStatus.SUSPENDED,
            actor=walk.officer,
            reason="Khiếu nại",
            evidence={"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"},
        )
        db.session.commit()
        ids = [e.id for e in (lapsed, regional, current, suspended)]
        db.session.remove()
    return ids


def _status(app, expert_id):
    with app.app_context():
        status = db.session.get(Expert, expert_id).status
        db.session.remove()
    return status


def test_expire_moves_lapsed_experts_once(app, runner):
    lapsed, regional, current, suspended = _setup(app)
    result = runner.invoke(args=["registry", "expire"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 expert(s)" in result.output
    assert _status(app, lapsed) == ExpertStatus.EXPIRED
    assert _status(app, regional) == ExpertStatus.ACCREDITED_REGIONAL  # its level is current
    assert _status(app, current) == ExpertStatus.CERTIFIED
    assert _status(app, suspended) == ExpertStatus.SUSPENDED
    with app.app_context():
        expert = db.session.get(Expert, lapsed)
        assert expert.held_level == ExpertStatus.CERTIFIED
        [certificate] = db.session.scalars(
            sa.select(Certificate).where(Certificate.expert_id == lapsed)
        ).all()
        assert certificate.status == CertificateStatus.EXPIRED
        change = expert.history[-1]
        assert (change.to_status, change.actor_id) == (ExpertStatus.EXPIRED, None)
        event = db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "expert.transition")
            .order_by(AuditEvent.id.desc())
        )
        assert event.actor_label == "system" and event.details["to"] == "expired"
        counts = (
            db.session.scalar(sa.select(sa.func.count(StatusChange.id))),
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
        )
        db.session.remove()

    again = runner.invoke(args=["registry", "expire"])
    assert again.exit_code == 0 and "No lapsed certificates" in again.output
    with app.app_context():
        assert counts == (
            db.session.scalar(sa.select(sa.func.count(StatusChange.id))),
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
        )
        db.session.remove()


def test_expire_dry_run_changes_nothing(app, runner):
    lapsed, *_ = _setup(app)
    result = runner.invoke(args=["registry", "expire", "--dry-run"])
    assert result.exit_code == 0 and f"would expire: expert {lapsed}" in result.output
    assert _status(app, lapsed) == ExpertStatus.CERTIFIED


def test_the_renewal_queue_lists_expired_and_soon_lapsing_experts(app, client):
    lapsed, _regional, current, _ = _setup(app)
    with app.app_context():
        walk = Walk()
        soon = walk.certified(certified_on=today() - timedelta(days=3 * 365 - 30))
        db.session.commit()
        soon_id, soon_name = soon.id, soon.full_name
        names = {e.id: e.full_name for e in db.session.scalars(sa.select(Expert))}
        db.session.remove()
    officer = create_account(app, "officer")
    sign_in(client, officer.email)
    client.application.test_cli_runner().invoke(args=["registry", "expire"])
    page = client.get("/directorate/queue/renewals").get_data(as_text=True)
    assert names[lapsed] in page and soon_name in page
    assert names[current] not in page
    assert f"/directorate/experts/{soon_id}/decide/certified" in page


def test_seed_demo_goes_through_the_rules_and_covers_every_state(app, runner):
    result = runner.invoke(args=["registry", "seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        by_status = dict(
            db.session.execute(
                sa.select(Expert.status, sa.func.count()).group_by(Expert.status)
            ).all()
        )
        assert set(by_status) == set(ExpertStatus)
        assert sum(by_status.values()) == 40
        # Every expert's current status is the end of their history.
        for expert in db.session.scalars(sa.select(Expert)):
            assert expert.history[-1].to_status == expert.status
            assert expert.history[0].from_status is None
        superseded = db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(
                Certificate.status == CertificateStatus.SUPERSEDED
            )
        )
        assert superseded == 1  # the renewed expert
        db.session.remove()
