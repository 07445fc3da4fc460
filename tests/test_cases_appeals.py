"""Appeals (ISO/IEC 17024 9.8): filed by the person concerned within the period, handled by
an officer not involved in the decision, each step audited and told by mail; an upheld
appeal takes its transition through the table."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.cases import appeals, notices
from registry.cases.models import Case, CaseDocument
from registry.cases.service import CaseConflict
from registry.clock import today
from registry.database import utcnow
from registry.enums import CaseOutcome, CaseStatus, CertificateStatus, ExpertStatus, Role
from registry.experts.lifecycle import transition
from registry.experts.models import Expert
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import UserFactory, Walk, local_moment

S = ExpertStatus
PDF = b"%PDF-1.4\n% grounds\n"


@pytest.fixture
def sent(monkeypatch):
    """What the cases asked to send, in order (the outbox itself is issue 14's)."""
    asked = []
    monkeypatch.setattr(notices, "send", asked.append)
    return asked


def _suspended(walk, *, at=None):
    """An expert with an account, suspended by `walk.officer`; returns (expert, change)."""
    user = UserFactory(role=Role.EXPERT)
    expert = walk.certified(user=user, email=user.email, certified_on=today() - timedelta(days=90))
    result = transition(
        expert,
        S.SUSPENDED,
        actor=walk.officer,
        reason="Có khiếu nại về chất lượng tư vấn",
        evidence={"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"},
        at=at,
    )
    return expert, result.change


def _ids(app, build):
    with app.app_context():
        walk = Walk()
        other = UserFactory(role=Role.OFFICER)
        expert, change = build(walk)
        db.session.commit()
        ids = {
            "expert": expert.id,
            "expert_email": expert.email,
            "change": change.id,
            "decider": walk.officer.email,
            "decider_id": walk.officer.id,
            "other": other.email,
            "other_id": other.id,
        }
        db.session.remove()
    return ids


def test_the_scenario_suspended_appealed_reinstated_through_the_table(app, client, sent):
    ids = _ids(app, _suspended)
    sign_in(client, ids["expert_email"])
    me = client.get("/me").get_data(as_text=True)
    assert f"/me/appeals/change-{ids['change']}" in me
    response = client.post(
        f"/me/appeals/change-{ids['change']}",
        data={
            "grounds": "Khiếu nại đã được rút.\nTôi gửi kèm văn bản.",
            "documents": (io.BytesIO(PDF), "van-ban.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        case_id = case.id
        assert case.status == CaseStatus.RECEIVED and case.status_change_id == ids["change"]
        assert case.grounds == "Khiếu nại đã được rút.\nTôi gửi kèm văn bản."
        assert [d.name for d in case.documents] == ["van-ban.pdf"]
    client.post("/logout")

    # The officer who suspended may not take the case; nothing is written.
    sign_in(client, ids["decider"])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "vụ việc này do cán bộ khác xử lý" in page and "/acknowledge" not in page
    refused = client.post(f"/cases/{case_id}/acknowledge", data={"status": "received"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Case, case_id).status == CaseStatus.RECEIVED
    client.post("/logout")

    sign_in(client, ids["other"])
    assert (
        client.post(f"/cases/{case_id}/acknowledge", data={"status": "received"}).status_code == 302
    )
    # Assigning the decider is refused with the rule's words.
    refused = client.post(
        f"/cases/{case_id}/assign", data={"status": "acknowledged", "handler": ids["decider_id"]}
    )
    assert refused.status_code == 403
    assert "không tham gia" in refused.get_data(as_text=True)
    assert (
        client.post(
            f"/cases/{case_id}/assign", data={"status": "acknowledged", "handler": ids["other_id"]}
        ).status_code
        == 302
    )
    response = client.post(
        f"/cases/{case_id}/decide",
        data={"status": "assigned", "outcome": "upheld", "reasons": "Khiếu nại không có căn cứ."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert client.post(f"/cases/{case_id}/close", data={"status": "decided"}).status_code == 302

    with app.app_context():
        expert = db.session.get(Expert, ids["expert"])
        case = db.session.get(Case, case_id)
        assert expert.status == S.CERTIFIED  # reinstated: the table's REINSTATE row
        change = case.resulting_change
        assert (change.from_status, change.to_status) == (S.SUSPENDED, S.CERTIFIED)
        assert change.actor_id == ids["other_id"] and f"#{case_id}" in change.reason
        assert {c.status for c in expert.certificates} == {CertificateStatus.VALID}
        assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.UPHELD)
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == [
            "case.received",
            "case.acknowledged",
            "case.assigned",
            "case.decided",
            "case.closed",
        ]
        rule = db.session.scalar(
            sa.select(AuditEvent.details)
            .where(AuditEvent.action == "expert.transition")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )["rule"]
        assert rule == "reinstate"
    # Every step told the person, once.
    assert [n.kind for n in sent] == [
        "appeal_received",
        "appeal_acknowledged",
        "appeal_assigned",
        "appeal_decided",
        "appeal_closed",
    ]
    assert {n.to_address for n in sent} == {ids["expert_email"]}
    assert len({n.key for n in sent}) == 5
    assert sent[3].context["outcome"] == "upheld"
    assert sent[1].context["due_on"] == today() + timedelta(days=60)
    # The appeal shows on the expert's history page.
    history = client.get(f"/experts/{ids['expert']}").get_data(as_text=True)
    assert f"/cases/{case_id}" in history and f"#{case_id}" in history


def test_an_appeal_after_the_period_is_refused_and_writes_nothing(app, client, sent):
    past = local_moment(today() - timedelta(days=31))
    ids = _ids(app, lambda walk: _suspended(walk, at=past))
    sign_in(client, ids["expert_email"])
    assert f"/me/appeals/change-{ids['change']}" not in client.get("/me").get_data(as_text=True)
    response = client.post(f"/me/appeals/change-{ids['change']}", data={"grounds": "Muộn"})
    assert response.status_code == 409
    assert "đã hết" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    assert sent == []


def test_the_period_is_configurable(app, client, sent):
    app.config["REGISTRY_APPEAL_PERIOD_DAYS"] = 45
    past = local_moment(today() - timedelta(days=31))
    ids = _ids(app, lambda walk: _suspended(walk, at=past))
    sign_in(client, ids["expert_email"])
    response = client.post(f"/me/appeals/change-{ids['change']}", data={"grounds": "Trong hạn"})
    assert response.status_code == 302


def test_a_decision_is_appealed_once(ctx, sent):
    walk = Walk()
    expert, change = _suspended(walk)
    appeals.file_appeal(expert, change, actor=expert.user, grounds="Lần một")
    with pytest.raises(appeals.CaseError) as refused:
        appeals.file_appeal(expert, change, actor=expert.user, grounds="Lần hai")
    assert "Quyết định này đã được kháng nghị." in str(refused.value)


def test_only_the_person_concerned_appeals(app, client, sent):
    ids = _ids(app, _suspended)
    sign_in(client, ids["other"])  # an officer: not the person concerned
    assert (
        client.post(f"/me/appeals/change-{ids['change']}", data={"grounds": "x"}).status_code == 404
    )
    client.post("/logout")
    with app.app_context():
        stranger = UserFactory(role=Role.EXPERT)
        Walk().certified(user=stranger, email=stranger.email)
        db.session.commit()
        email = stranger.email
    sign_in(client, email)
    assert (
        client.post(f"/me/appeals/change-{ids['change']}", data={"grounds": "x"}).status_code == 404
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_a_document_that_is_not_pdf_jpeg_or_png_writes_nothing(app, client, sent):
    ids = _ids(app, _suspended)
    sign_in(client, ids["expert_email"])
    response = client.post(
        f"/me/appeals/change-{ids['change']}",
        data={"grounds": "Kèm tệp", "documents": (io.BytesIO(b"MZ\x90\x00"), "a.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "PDF, JPEG" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(CaseDocument.id))) == 0


def _to_assigned(walk, handler):
    expert, change = _suspended(walk)
    case = appeals.file_appeal(expert, change, actor=expert.user, grounds="Căn cứ")
    appeals.acknowledge(case, actor=handler)
    appeals.assign(case, handler, actor=handler)
    return expert, case


def test_the_decider_can_take_no_step_of_the_appeal(ctx, sent):
    walk = Walk()
    other = UserFactory(role=Role.OFFICER)
    expert, change = _suspended(walk)
    case = appeals.file_appeal(expert, change, actor=expert.user, grounds="Căn cứ")
    with pytest.raises(appeals.CaseNotAllowed):
        appeals.acknowledge(case, actor=walk.officer)
    appeals.acknowledge(case, actor=other)
    with pytest.raises(appeals.CaseNotAllowed):
        appeals.assign(case, walk.officer, actor=other)
    with pytest.raises(appeals.CaseNotAllowed):
        appeals.assign(case, other, actor=walk.officer)
    assert case.status == CaseStatus.ACKNOWLEDGED and case.handler_id is None


def test_only_the_assigned_officer_decides_and_a_stale_page_conflicts(ctx, sent):
    walk = Walk()
    handler, bystander = UserFactory(role=Role.OFFICER), UserFactory(role=Role.OFFICER)
    expert, case = _to_assigned(walk, handler)
    with pytest.raises(appeals.CaseNotAllowed):
        appeals.decide(case, "upheld", actor=bystander, reasons="x")
    with pytest.raises(CaseConflict):
        appeals.acknowledge(case, actor=handler, expected_status="received")
    with pytest.raises(appeals.CaseError):
        appeals.decide(case, "upheld", actor=handler, reasons="   ")
    with pytest.raises(appeals.CaseError):
        appeals.decide(case, "maybe", actor=handler, reasons="x")
    assert case.status == CaseStatus.ASSIGNED and expert.status == S.SUSPENDED


def test_a_dismissed_appeal_leaves_the_decision_standing(ctx, sent):
    walk = Walk()
    handler = UserFactory(role=Role.OFFICER)
    expert, case = _to_assigned(walk, handler)
    appeals.decide(case, "dismissed", actor=handler, reasons="Khiếu nại có căn cứ.")
    assert expert.status == S.SUSPENDED and case.resulting_change_id is None
    assert sent[-1].kind == "appeal_decided" and sent[-1].context["outcome"] == "dismissed"


def test_an_upheld_appeal_against_a_withdrawal_finds_no_way_back_in_the_table(ctx, sent):
    walk = Walk()
    handler = UserFactory(role=Role.OFFICER)
    user = UserFactory(role=Role.EXPERT)
    expert = walk.to(S.WITHDRAWN, user=user, email=user.email)
    change = expert.history[-1]
    case = appeals.file_appeal(expert, change, actor=user, grounds="Căn cứ")
    appeals.acknowledge(case, actor=handler)
    appeals.assign(case, handler, actor=handler)
    assert appeals.implied_rule(case) is None
    appeals.decide(case, "upheld", actor=handler, reasons="Quyết định thu hồi chưa đúng.")
    assert expert.status == S.WITHDRAWN and case.resulting_change_id is None
    assert case.outcome == CaseOutcome.UPHELD


def test_an_upheld_appeal_never_goes_around_the_table(ctx, sent, monkeypatch):
    """If the table refuses the implied transition, the decision is refused with it."""
    from registry.experts import lifecycle

    walk = Walk()
    handler = UserFactory(role=Role.OFFICER)
    expert, case = _to_assigned(walk, handler)
    db.session.commit()

    def refuse(*_args, **_kwargs):
        raise lifecycle.TransitionRefused("refused by the table")

    monkeypatch.setattr(lifecycle, "transition", refuse)
    with pytest.raises(lifecycle.TransitionRefused):
        appeals.decide(case, "upheld", actor=handler, reasons="x")
    db.session.rollback()
    assert db.session.get(Expert, expert.id).status == S.SUSPENDED
    assert db.session.get(Case, case.id).status == CaseStatus.ASSIGNED


def test_overdue_cases_are_flagged_for_officers_and_auditors(app, client, sent):
    with app.app_context():
        walk = Walk()
        expert, change = _suspended(walk)
        case = appeals.file_appeal(expert, change, actor=expert.user, grounds="Căn cứ")
        db.session.execute(
            sa.update(Case).where(Case.id == case.id).values(due_on=today() - timedelta(days=1))
        )
        db.session.commit()
        case_id = case.id
    officer = create_account(app, "officer")
    auditor = create_account(app, "auditor")
    sign_in(client, officer.email)
    queue = client.get("/directorate/queue/appeals").get_data(as_text=True)
    assert f"/cases/{case_id}" in queue and "overdue" in queue
    assert "Kháng nghị" in client.get("/directorate/").get_data(as_text=True)
    client.post("/logout")
    sign_in(client, auditor.email)
    page = client.get("/audit/cases")
    assert page.status_code == 200
    assert f"/cases/{case_id}" in page.get_data(as_text=True)
    assert 'class="overdue"' in page.get_data(as_text=True)
    # The list holds every kind of case, and its heading says so.
    assert "<h1>Kháng nghị, khiếu nại và yêu cầu xoá dữ liệu cá nhân</h1>" in page.get_data(
        as_text=True
    )
    # Auditors read; they take no step.
    detail = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "/acknowledge" not in detail
    assert (
        client.post(f"/cases/{case_id}/acknowledge", data={"status": "received"}).status_code == 403
    )


def test_a_case_is_a_404_to_whoever_may_not_see_it(app, client, sent):
    with app.app_context():
        walk = Walk()
        expert, change = _suspended(walk)
        case = appeals.file_appeal(expert, change, actor=expert.user, grounds="Căn cứ")
        db.session.commit()
        case_id = case.id
    for role in ("expert", "centre_staff", "admin"):
        sign_in(client, create_account(app, role).email)
        assert client.get(f"/cases/{case_id}").status_code == 404
        client.post("/logout")


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("step", ["received", "acknowledged", "assigned", "decided", "closed"])
def test_each_notice_renders_in_each_language(ctx, sent, locale, step):
    """The mail templates take exactly the context the notices give (outbox wiring: merge)."""
    from jinja2 import ChoiceLoader, DictLoader

    walk = Walk()
    handler = UserFactory(role=Role.OFFICER)
    expert, case = _to_assigned(walk, handler)
    appeals.decide(case, "upheld", actor=handler, reasons="Lý do rõ ràng")
    notice = notices.notice_for(case, step)
    env = ctx.jinja_env.overlay(
        loader=ChoiceLoader(
            [ctx.jinja_env.loader, DictLoader({f"mail/{locale}/_signature.txt": "—"})]
        )
    )
    text = env.get_template(f"mail/{locale}/{notice.kind}.txt").render(
        public_url="https://example.test", **notice.context
    )
    subject = text.strip().splitlines()[0]
    assert str(case.id) in subject
    assert expert.full_name in text
    if step == "decided":
        assert "Lý do rõ ràng" in text


def test_refused_accreditation_can_be_appealed(ctx, sent):
    from registry.enums import CertificateLevel, RequestStatus
    from registry.experts.models import AccreditationRequest

    walk = Walk()
    user = UserFactory(role=Role.EXPERT)
    expert = walk.certified(user=user, email=user.email)
    request = AccreditationRequest(
        expert_id=expert.id,
        level=CertificateLevel.REGIONAL,
        reference="APO-1",
        issuing_body="APO",
        issued_on=today(),
        status=RequestStatus.REFUSED,
        requested_by_id=user.id,
        decided_by_id=walk.officer.id,
        decided_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    refs = [appeals.decision_ref(d) for d, _last in appeals.appealable_decisions(expert, today())]
    assert f"accreditation-{request.id}" in refs
    case = appeals.file_appeal(expert, request, actor=user, grounds="Căn cứ")
    assert case.decided_by_id == walk.officer.id
    with pytest.raises(appeals.CaseNotAllowed):
        appeals.acknowledge(case, actor=walk.officer)
