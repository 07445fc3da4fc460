"""Audit samples of certifications, findings, and corrective actions."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from registry.audit.findings import AuditError, close_action, open_actions
from registry.audit.models import AuditEvent, AuditFinding, AuditSample
from registry.audit.sampling import draw, draw_sample, record_finding, sampled_certificates
from registry.enums import CertificateLevel, FindingResult, Role
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import ExpertFactory, UserFactory, certify

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))


def _certifications(count=30):
    """`count` national certificates in 2026, plus some the samples must never draw."""
    numbers = []
    for i in range(count):
        expert = ExpertFactory()
        numbers.append(certify(expert, date(2026, 1, 1) + timedelta(days=i * 10)).number)
        if i % 5 == 0:
            certify(expert, date(2026, 12, 1), level=CertificateLevel.REGIONAL)
    certify(ExpertFactory(), date(2025, 12, 31))
    certify(ExpertFactory(), date(2027, 1, 1))
    return numbers


@pytest.fixture
def rctx(ctx):
    """A request context too: refusal messages are translated (here, in English)."""
    with ctx.test_request_context(), force_locale("en"):
        yield ctx


def _auditor():
    return UserFactory(role=Role.AUDITOR)


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_same_seed_draws_the_same_sample(ctx):
    in_period = _certifications()
    auditor = _auditor()
    _first, drawn = draw_sample(
        auditor=auditor, period_start=PERIOD[0], period_end=PERIOD[1], size=8, seed=1322
    )
    _again, again = draw_sample(
        auditor=auditor, period_start=PERIOD[0], period_end=PERIOD[1], size=8, seed=1322
    )
    _other, other = draw_sample(
        auditor=auditor, period_start=PERIOD[0], period_end=PERIOD[1], size=8, seed=712
    )
    assert [c.number for c in drawn] == [c.number for c in again]
    assert [c.number for c in drawn] != [c.number for c in other]
    # Only national certificates issued in the period are drawn, each once.
    assert len({c.number for c in drawn}) == 8
    assert {c.number for c in drawn} <= set(in_period)
    assert all(c.level == CertificateLevel.NATIONAL for c in drawn + other)


def test_a_sample_is_drawn_again_identically_later(ctx):
    _certifications(12)
    sample, drawn = draw_sample(
        auditor=_auditor(), period_start=PERIOD[0], period_end=PERIOD[1], size=5, seed=9
    )
    # A certificate recorded afterwards, even back-dated into the period, does not change it.
    certify(ExpertFactory(), date(2026, 3, 3))
    db.session.flush()
    assert [c.id for c in sampled_certificates(sample)] == [c.id for c in drawn]


def test_the_draw_depends_only_on_the_order_and_the_seed():
    assert draw(range(100), 3, 42) == draw(list(range(100)), 3, 42)
    assert draw(range(100), 3, 42) != draw(range(100), 3, 43)
    # A sample larger than the population takes all of it.
    assert sorted(draw(range(5), 10, 1)) == [0, 1, 2, 3, 4]


def test_drawing_a_sample_is_audited(ctx):
    _certifications(6)
    auditor = _auditor()
    sample, drawn = draw_sample(
        auditor=auditor, period_start=PERIOD[0], period_end=PERIOD[1], size=3, seed=5
    )
    (event,) = _events("audit.sample_drawn")
    assert event.actor_id == auditor.id
    assert event.object_id == str(sample.id)
    assert event.details["seed"] == 5
    assert event.details["population"] == 6
    assert event.details["certificates"] == [c.number for c in drawn]


def test_a_random_seed_is_chosen_and_kept(ctx):
    _certifications(6)
    sample, drawn = draw_sample(
        auditor=_auditor(), period_start=PERIOD[0], period_end=PERIOD[1], size=6
    )
    assert sample.seed > 0
    assert len(drawn) == 6


@pytest.mark.parametrize(
    ("start", "end", "size", "seed", "message"),
    [
        (date(2026, 12, 31), date(2026, 1, 1), 5, 1, "must end on or after"),
        (*PERIOD, 0, 1, "between 1 and 500"),
        (*PERIOD, 501, 1, "between 1 and 500"),
        (*PERIOD, 5, -1, "The seed must be a whole number"),
        (date(2020, 1, 1), date(2020, 12, 31), 5, 1, "No national certificate"),
    ],
)
def test_sample_rules(rctx, start, end, size, seed, message):
    _certifications(3)
    with pytest.raises(AuditError, match=message):
        draw_sample(auditor=_auditor(), period_start=start, period_end=end, size=size, seed=seed)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-31", "2026-01-01", "The period must end on or after the day it starts."),
        ("2020-01-01", "2020-12-31", "No national certificate was issued in this period."),
    ],
)
def test_a_refused_sample_writes_nothing(app, client, login_as, start, end, message):
    with app.app_context():
        _certifications(3)
        db.session.commit()
        db.session.remove()
    login_as("auditor")
    client.get("/lang/en")
    response = client.post(
        "/audit/samples/", data={"period_start": start, "period_end": end, "size": 5, "seed": 1}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditSample.id))) == 0
        assert _events("audit.sample_drawn") == []


@pytest.fixture
def sampled(rctx):
    _certifications(6)
    auditor = _auditor()
    sample, drawn = draw_sample(
        auditor=auditor, period_start=PERIOD[0], period_end=PERIOD[1], size=3, seed=11
    )
    return sample, drawn, auditor


def test_a_conforming_finding(sampled):
    sample, drawn, auditor = sampled
    finding = record_finding(
        sample, drawn[0], auditor=auditor, result="conforming", note="  Hồ sơ đầy đủ  "
    )
    assert finding.note == "Hồ sơ đầy đủ"
    (event,) = _events("audit.finding_recorded")
    assert event.details["certificate"] == drawn[0].number
    assert event.details["result"] == "conforming"


def test_a_nonconformity_needs_an_action_and_a_due_date(sampled):
    sample, drawn, auditor = sampled
    with pytest.raises(AuditError, match="corrective action and the date"):
        record_finding(
            sample, drawn[0], auditor=auditor, result="nonconforming", note="Thiếu biên bản"
        )
    with pytest.raises(AuditError, match="corrective action and the date"):
        record_finding(
            sample, drawn[0], auditor=auditor, result="nonconforming", corrective_action="Bổ sung"
        )
    with pytest.raises(AuditError, match="due in the past"):
        record_finding(
            sample,
            drawn[0],
            auditor=auditor,
            result="nonconforming",
            corrective_action="Bổ sung biên bản",
            due_on=today() - timedelta(days=1),
        )
    finding = record_finding(
        sample,
        drawn[0],
        auditor=auditor,
        result="nonconforming",
        corrective_action="Bổ sung biên bản chấm thi",
        due_on=today() + timedelta(days=30),
    )
    assert finding.result == FindingResult.NONCONFORMING
    assert open_actions() == [finding]


def test_a_conforming_finding_takes_no_action(sampled):
    sample, drawn, auditor = sampled
    with pytest.raises(AuditError, match="takes no corrective action"):
        record_finding(
            sample,
            drawn[0],
            auditor=auditor,
            result="conforming",
            corrective_action="Không cần",
            due_on=today(),
        )


def test_one_finding_per_certificate_and_only_for_sampled_ones(sampled):
    sample, drawn, auditor = sampled
    record_finding(sample, drawn[0], auditor=auditor, result="conforming")
    with pytest.raises(AuditError, match="already recorded"):
        record_finding(sample, drawn[0], auditor=auditor, result="conforming")
    outside = certify(ExpertFactory(), date(2019, 1, 1))
    with pytest.raises(AuditError, match="not in the sample"):
        record_finding(sample, outside, auditor=auditor, result="conforming")


def test_the_database_refuses_a_nonconformity_without_action(sampled):
    sample, drawn, auditor = sampled
    db.session.add(
        AuditFinding(
            sample=sample,
            certificate_id=drawn[1].id,
            auditor_id=auditor.id,
            result=FindingResult.NONCONFORMING,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _nonconformity(sample, certificate, auditor, due_in=10):
    return record_finding(
        sample,
        certificate,
        auditor=auditor,
        result="nonconforming",
        corrective_action="Thu hồi và cấp lại chứng chỉ đúng họ tên",
        due_on=today() + timedelta(days=due_in),
    )


def test_open_corrective_actions_are_tracked_and_closed(sampled):
    sample, drawn, auditor = sampled
    later = _nonconformity(sample, drawn[0], auditor, due_in=20)
    sooner = _nonconformity(sample, drawn[1], auditor, due_in=5)
    record_finding(sample, drawn[2], auditor=auditor, result="conforming")
    assert open_actions() == [sooner, later]
    with pytest.raises(AuditError, match="how the nonconformity was corrected"):
        close_action(sooner, actor=auditor, closed_on=today(), note=" ")
    with pytest.raises(AuditError, match="cannot be in the future"):
        close_action(
            sooner, actor=auditor, closed_on=today() + timedelta(days=1), note="Đã cấp lại"
        )
    with pytest.raises(AuditError, match="before the finding was recorded"):
        close_action(
            sooner, actor=auditor, closed_on=today() - timedelta(days=3), note="Đã cấp lại"
        )
    close_action(sooner, actor=auditor, closed_on=today(), note="Đã cấp lại chứng chỉ")
    assert sooner.closed_on == today()
    assert open_actions() == [later]
    with pytest.raises(AuditError, match="already closed"):
        close_action(sooner, actor=auditor, closed_on=today(), note="Lần nữa")
    (event,) = _events("audit.action_closed")
    assert event.details["note"] == "Đã cấp lại chứng chỉ"


def test_a_conforming_finding_has_nothing_to_close(sampled):
    sample, drawn, auditor = sampled
    finding = record_finding(sample, drawn[0], auditor=auditor, result="conforming")
    with pytest.raises(AuditError, match="Only a nonconformity"):
        close_action(finding, actor=auditor, closed_on=today(), note="—")


def test_the_auditor_works_through_the_pages(app, client, login_as):
    with app.app_context():
        _certifications(4)
        db.session.commit()
        db.session.remove()
    login_as("auditor")
    client.get("/lang/en")
    response = client.post(
        "/audit/samples/",
        data={"period_start": "2026-01-01", "period_end": "2026-12-31", "size": "2", "seed": "77"},
    )
    assert response.status_code == 302
    sample_url = response.headers["Location"]
    with app.app_context():
        sample = db.session.scalar(sa.select(AuditSample))
        first, second = sampled_certificates(sample)
        ids = (sample.id, first.id, second.id, first.number)
        db.session.remove()
    sample_id, first_id, second_id, first_number = ids
    page = client.get(sample_url).get_data(as_text=True)
    assert first_number in page and "Record a finding" in page
    finding_url = f"/audit/samples/{sample_id}/certificates/{first_id}"
    response = client.post(finding_url, data={"result": "conforming", "note": "Đầy đủ"})
    assert response.status_code == 302
    due = (today() + timedelta(days=14)).isoformat()
    response = client.post(
        f"/audit/samples/{sample_id}/certificates/{second_id}",
        data={"result": "nonconforming", "corrective_action": "Bổ sung hồ sơ", "due_on": due},
    )
    assert response.status_code == 302
    actions = client.get("/audit/samples/actions").get_data(as_text=True)
    assert "Bổ sung hồ sơ" in actions
    with app.app_context():
        finding_id = db.session.scalar(
            sa.select(AuditFinding.id).where(AuditFinding.result == FindingResult.NONCONFORMING)
        )
        db.session.remove()
    response = client.post(
        f"/audit/samples/findings/{finding_id}/close",
        data={"closed_on": today().isoformat(), "note": "Đã bổ sung"},
    )
    assert response.status_code == 302
    assert "No open corrective action." in client.get("/audit/samples/actions").get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["officer", "admin", "centre_staff", "expert"])
def test_only_auditors_sample(client, login_as, role):
    login_as(role)
    for url in ("/audit/samples/", "/audit/samples/actions", "/audit/anomalies"):
        assert client.get(url).status_code == 403
    assert client.post("/audit/samples/", data={"size": "1"}).status_code == 403
