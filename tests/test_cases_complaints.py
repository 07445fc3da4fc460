"""Complaints (ISO/IEC 17024 9.9): a public, rate-limited form; the contact address is
confirmed once by a signed link; then the case life of an appeal, the complainant told the
outcome and the expert complained about told what the rules require."""

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.cases import appeals, complaints, notices
from registry.cases.models import Case
from registry.enums import CaseStatus, ComplaintSubject, Role
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import CentreFactory, UserFactory, Walk


@pytest.fixture
def sent(monkeypatch):
    asked = []
    monkeypatch.setattr(notices, "send", asked.append)
    return asked


def _form(subject, reference, **extra):
    return {
        "subject": subject,
        "reference": reference,
        "contact_name": "Trần Văn Khách",
        "contact_email": "khach@example.vn",
        "grounds": "Trung tâm thu học phí nhưng không tổ chức lớp.",
    } | extra


def _centre_code(app):
    with app.app_context():
        centre = CentreFactory()
        db.session.commit()
        return centre.code


def test_an_anonymous_complaint_is_confirmed_once_by_its_link(app, client, sent):
    code = _centre_code(app)
    response = client.post("/complaints/new", data=_form("centre", code))
    assert response.status_code == 200
    assert "khach@example.vn" in response.get_data(as_text=True)
    [confirmation] = sent
    assert confirmation.kind == "complaint_confirm"
    assert confirmation.to_address == "khach@example.vn"
    link = confirmation.context["link"]
    path = link[link.index("/complaints/confirm/") :]
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert case.subject == ComplaintSubject.CENTRE and case.confirmed_at is None
        case_id = case.id
    # Unconfirmed: not in the officers' queue yet.
    officer = create_account(app, "officer")
    sign_in(client, officer.email)
    assert f"/cases/{case_id}" not in client.get("/directorate/queue/appeals").get_data(
        as_text=True
    )
    client.post("/logout")

    assert client.get(path).status_code == 200  # a page with a button: GET confirms nothing
    with app.app_context():
        assert db.session.get(Case, case_id).confirmed_at is None
    assert client.post(path).status_code == 302
    again = client.post(path)
    assert again.status_code == 409
    assert "đã được sử dụng" in again.get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.confirmed_at is not None and case.confirmation_nonce is None
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["case.filed", "case.received"]
    assert [n.kind for n in sent] == ["complaint_confirm", "complaint_received"]
    sign_in(client, officer.email)
    assert f"/cases/{case_id}" in client.get("/directorate/queue/appeals").get_data(as_text=True)


def test_a_forged_or_altered_link_confirms_nothing(app, client, sent):
    code = _centre_code(app)
    client.post("/complaints/new", data=_form("centre", code))
    link = sent[0].context["link"]
    path = link[link.index("/complaints/confirm/") :]
    response = client.post(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert response.status_code == 409
    assert "không hợp lệ" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Case.confirmed_at)) is None


def test_a_complaint_about_nobody_known_writes_nothing(app, client, sent):
    response = client.post("/complaints/new", data=_form("expert", "NSCL-QG-2026-99999"))
    assert response.status_code == 409
    assert "NSCL-QG-2026-99999" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    assert sent == []


def test_the_form_is_rate_limited_per_address(app, client, sent):
    app.config["REGISTRY_COMPLAINT_RATE_LIMIT"] = "2 per hour"
    code = _centre_code(app)
    statuses = [
        client.post("/complaints/new", data=_form("centre", code)).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.get("/complaints/new").status_code == 200  # reading the form is not limited


def test_a_complaint_about_an_expert_tells_both_what_they_must_be_told(ctx, sent):
    walk = Walk()
    user = UserFactory(role=Role.EXPERT)
    expert = walk.certified(user=user, email=user.email)
    handler = UserFactory(role=Role.OFFICER)
    case = complaints.file_complaint(
        subject="expert",
        reference=expert.certificates[0].number.lower(),
        contact_name="Doanh nghiệp A",
        contact_email="a@example.vn",
        grounds="Tư vấn sai quy trình.",
    )
    assert case.expert_id == expert.id
    with pytest.raises(appeals.CaseError):  # not confirmed yet
        appeals.acknowledge(case, actor=handler)
    complaints.confirm(complaints.confirmation_token(case))
    appeals.acknowledge(case, actor=handler)
    appeals.assign(case, handler, actor=handler)
    appeals.decide(case, "upheld", actor=handler, reasons="Có căn cứ.")
    appeals.close(case, actor=handler)
    assert case.status == CaseStatus.CLOSED
    to_complainant = [n for n in sent if n.to_address == "a@example.vn"]
    assert [n.kind for n in to_complainant] == [
        "complaint_confirm",
        "complaint_received",
        "complaint_acknowledged",
        "complaint_assigned",
        "complaint_decided",
        "complaint_closed",
    ]
    [to_expert] = [n for n in sent if n.to_address == expert.email]
    assert to_expert.kind == "complaint_about_you" and to_expert.context["outcome"] == "upheld"


def test_the_expert_complained_about_does_not_see_the_file(app, client, sent):
    with app.app_context():
        walk = Walk()
        user = UserFactory(role=Role.EXPERT)
        expert = walk.certified(user=user, email=user.email)
        case = complaints.file_complaint(
            subject="expert",
            reference=expert.certificates[0].number,
            contact_name="Doanh nghiệp A",
            contact_email="a@example.vn",
            grounds="Tư vấn sai quy trình.",
        )
        db.session.commit()
        case_id, email = case.id, user.email
    sign_in(client, email)
    assert client.get(f"/cases/{case_id}").status_code == 404


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize(
    "kind",
    [
        "complaint_confirm",
        "complaint_received",
        "complaint_acknowledged",
        "complaint_assigned",
        "complaint_decided",
        "complaint_closed",
        "complaint_about_you",
    ],
)
def test_each_complaint_notice_renders_in_each_language(ctx, sent, locale, kind):
    from jinja2 import ChoiceLoader, DictLoader

    walk = Walk()
    expert = walk.certified()
    handler = UserFactory(role=Role.OFFICER)
    case = complaints.file_complaint(
        subject="expert",
        reference=expert.certificates[0].number,
        contact_name="Doanh nghiệp A",
        contact_email="a@example.vn",
        grounds="x",
    )
    complaints.confirm(complaints.confirmation_token(case))
    appeals.acknowledge(case, actor=handler)
    appeals.assign(case, handler, actor=handler)
    appeals.decide(case, "dismissed", actor=handler, reasons="Không có căn cứ.")
    notice = {n.kind: n for n in sent}[kind] if kind != "complaint_closed" else None
    notice = notice or notices.notice_for(case, "closed")
    env = ctx.jinja_env.overlay(
        loader=ChoiceLoader(
            [ctx.jinja_env.loader, DictLoader({f"mail/{locale}/_signature.txt": "—"})]
        )
    )
    text = env.get_template(f"mail/{locale}/{notice.kind}.txt").render(
        public_url="https://example.test", **notice.context
    )
    assert str(case.id) in text.strip().splitlines()[0]


def test_auditors_read_counts_times_and_outcomes_by_kind(ctx, sent):
    from datetime import timedelta

    from registry.cases.statistics import case_figures
    from registry.clock import today
    from registry.enums import CaseKind, CaseOutcome

    walk = Walk()
    expert = walk.certified()
    handler = UserFactory(role=Role.OFFICER)
    closed = complaints.file_complaint(
        subject="expert",
        reference=expert.certificates[0].number,
        contact_name="A",
        contact_email="a@example.vn",
        grounds="x",
    )
    complaints.confirm(complaints.confirmation_token(closed))
    appeals.acknowledge(closed, actor=handler)
    appeals.assign(closed, handler, actor=handler)
    appeals.decide(closed, "dismissed", actor=handler, reasons="y")
    appeals.close(closed, actor=handler)
    # Acknowledged two days after confirmation, closed four days after.
    confirmed = closed.confirmed_at
    db.session.execute(
        sa.update(Case)
        .where(Case.id == closed.id)
        .values(
            acknowledged_at=confirmed + timedelta(days=2),
            closed_at=confirmed + timedelta(days=4),
        )
    )
    waiting = complaints.file_complaint(
        subject="directorate",
        reference="",
        contact_name="B",
        contact_email="b@example.vn",
        grounds="z",
    )
    complaints.confirm(complaints.confirmation_token(waiting))
    db.session.execute(
        sa.update(Case).where(Case.id == waiting.id).values(due_on=today() - timedelta(days=1))
    )
    complaints.file_complaint(  # never confirmed: not counted
        subject="directorate",
        reference="",
        contact_name="C",
        contact_email="c@example.vn",
        grounds="w",
    )
    db.session.expire_all()
    figures = {f.kind: f for f in case_figures(today())}
    complaint = figures[CaseKind.COMPLAINT]
    assert (complaint.count, complaint.open, complaint.overdue) == (2, 1, 1)
    assert (complaint.days_to_acknowledge, complaint.days_to_close) == (2.0, 4.0)
    assert complaint.outcomes == {CaseOutcome.DISMISSED: 1}
    assert figures[CaseKind.APPEAL].count == 0
