"""Mail: messages written with the change that causes them, sent over real SMTP on loopback."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.auth.models import User
from registry.database import utcnow
from registry.enums import ExpertStatus, MessageStatus, Role
from registry.experts.lifecycle import transition
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.mail.notifications import queue_expiry_reminders, queue_review_reminders
from registry.mail.outbox import MAX_ATTEMPTS, send_due
from registry.targets.counting import today
from tests.factories import CpdRecordFactory, ExpertFactory, UserFactory, Walk, issued_certificate
from tests.mailserver import MailServer, free_port

S = ExpertStatus
SUSPENSION = {"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"}


@pytest.fixture
def smtp(app):
    server = MailServer().start()
    app.config.update(REGISTRY_SMTP_HOST="127.0.0.1", REGISTRY_SMTP_PORT=server.port)
    yield server
    server.stop()


def _certify_suspend_reinstate(locale=None):
    walk = Walk()
    account = UserFactory(role=Role.EXPERT, email="chuyengia@example.vn", locale=locale)
    expert = ExpertFactory(user=account, email="chuyengia@example.vn")
    walk.certified(expert)
    transition(expert, S.SUSPENDED, actor=walk.officer, reason="Khiếu nại", evidence=SUSPENSION)
    transition(expert, S.CERTIFIED, actor=walk.officer, reason="Không có căn cứ")
    db.session.commit()
    return expert


def test_certify_suspend_reinstate_reach_the_expert_once_each_in_vietnamese(ctx, smtp):
    _certify_suspend_reinstate()
    assert send_due() == (4, 0)
    assert send_due() == (0, 0)  # nothing goes out twice
    assert smtp.subjects() == [
        "Bạn đã hoàn thành chương trình đào tạo chuyên gia",
        "Bạn đã được cấp chứng chỉ chuyên gia năng suất chất lượng",
        "Chứng chỉ chuyên gia của bạn bị tạm đình chỉ",
        "Chứng chỉ chuyên gia của bạn đã được khôi phục",
    ]
    assert {str(m["To"]) for m in smtp.messages} == {"chuyengia@example.vn"}
    certified = smtp.messages[1]
    text = smtp.text_of(certified)
    assert "/certificates/NSCL-QG-" in text and ".pdf" in text  # the certificate's link
    html = certified.get_body(preferencelist=("html",)).get_content()
    assert '<a href="http' in html and "chứng chỉ" in html
    assert "khiếu nại" in smtp.text_of(smtp.messages[2])  # how to appeal
    assert "Khiếu nại" not in smtp.text_of(smtp.messages[2])  # the officer's words stay inside
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {r.status for r in rows} == {MessageStatus.SENT}


def test_an_account_that_chose_english_gets_english(ctx, smtp):
    _certify_suspend_reinstate(locale="en")
    send_due()
    assert smtp.subjects()[1] == "You are certified as a productivity-quality expert"


def test_a_message_exists_only_if_its_change_was_committed(ctx):
    walk = Walk()
    expert = walk.certified()
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    transition(expert, S.SUSPENDED, actor=walk.officer, reason="Khiếu nại", evidence=SUSPENSION)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == before


def test_smtp_down_messages_wait_with_back_off_and_go_out_when_it_returns(ctx):
    port = free_port()
    ctx.config.update(REGISTRY_SMTP_HOST="127.0.0.1", REGISTRY_SMTP_PORT=port)
    _certify_suspend_reinstate()
    now = utcnow()
    assert send_due(now) == (0, 4)
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {(r.status, r.attempts) for r in rows} == {(MessageStatus.PENDING, 1)}
    assert all(r.last_error and r.next_attempt_at > now for r in rows)
    server = MailServer(port).start()
    try:
        assert send_due(now) == (0, 0)  # not due yet: back-off
        assert send_due(now + timedelta(minutes=2)) == (4, 0)
        assert len(server.messages) == 4
    finally:
        server.stop()
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {(r.status, r.last_error) for r in rows} == {(MessageStatus.SENT, None)}


def test_a_message_is_given_up_after_its_attempts(ctx):
    ctx.config.update(REGISTRY_SMTP_HOST="127.0.0.1", REGISTRY_SMTP_PORT=free_port())
    Walk().trained()
    db.session.commit()
    moment = utcnow()
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(days=1)
        send_due(moment)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert send_due(moment + timedelta(days=1)) == (0, 0)


def test_without_an_smtp_host_messages_are_eml_files(ctx, tmp_path):
    ctx.config.update(REGISTRY_SMTP_HOST="", REGISTRY_MAIL_DIR=str(tmp_path / "mail"))
    Walk().trained()
    db.session.commit()
    assert send_due() == (1, 0)
    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert "Subject:" in eml.read_text() and "trained" in eml.name


def _valid_until(days):
    certificate = issued_certificate(issued_on=today() - timedelta(days=3 * 365 - days))
    certificate.valid_until = today() + timedelta(days=days)
    db.session.commit()
    return certificate


def test_an_expiry_30_days_out_produces_one_reminder_with_the_cpd_missing(ctx, smtp):
    certificate = _valid_until(30)
    CpdRecordFactory(
        expert=certificate.expert,
        hours=15,
        status="approved",
        decided_by_id=UserFactory(role=Role.OFFICER).id,
        decided_at=utcnow(),
    )
    db.session.commit()
    assert queue_expiry_reminders(today()) == 1
    assert queue_expiry_reminders(today()) == 0  # the daily task re-run: nothing new
    assert queue_expiry_reminders(today() + timedelta(days=1)) == 0  # still the 30-day window
    db.session.commit()
    send_due()
    (message,) = smtp.messages
    assert (
        str(message["Subject"]) == f"Chứng chỉ {certificate.number} của bạn sẽ hết hạn sau 30 ngày"
    )
    assert "còn thiếu 45 giờ" in smtp.text_of(message)
    assert queue_expiry_reminders(today() + timedelta(days=23)) == 1  # then the 7-day one


def test_reminders_can_be_turned_off_but_decisions_cannot(ctx):
    account = UserFactory(role=Role.EXPERT, reminders_off=True)
    certificate = _valid_until(30)
    certificate.expert.user = account
    db.session.commit()
    assert queue_expiry_reminders(today()) == 0
    walk = Walk()
    transition(
        certificate.expert, S.SUSPENDED, actor=walk.officer, reason="Khiếu nại", evidence=SUSPENSION
    )
    db.session.commit()
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == ["suspended"]


def test_officers_hear_of_suspensions_due_for_review(ctx):
    walk = Walk()
    expert = walk.to(S.CERTIFIED)
    transition(
        expert,
        S.SUSPENDED,
        actor=walk.officer,
        reason="Khiếu nại",
        evidence={
            "review_on": (today() + timedelta(days=10)).isoformat(),
            "reason_code": "under_review_after_complaint",
        },
    )
    UserFactory(role=Role.OFFICER, reminders_off=True)
    db.session.commit()
    assert queue_review_reminders(today()) == 0  # not due yet
    assert queue_review_reminders(today() + timedelta(days=10)) == 1  # the one officer who hears
    assert queue_review_reminders(today() + timedelta(days=11)) == 0
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "review_due"))
    assert message.to_address == walk.officer.email


def _failed_message(app):
    with app.app_context():
        app.config.update(REGISTRY_SMTP_HOST="127.0.0.1", REGISTRY_SMTP_PORT=free_port())
        Walk().trained()
        db.session.commit()
        moment = utcnow()
        for _ in range(MAX_ATTEMPTS):
            moment += timedelta(days=1)
            send_due(moment)
        return db.session.scalar(sa.select(OutboxMessage.id))


def test_the_admin_sees_the_outbox_and_sends_a_failed_message_again(app, client, login_as):
    message_id = _failed_message(app)
    login_as("admin")
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "Bạn đã hoàn thành chương trình đào tạo chuyên gia" in page
    assert "Thất bại: 1" in page and "ConnectionRefusedError" in page
    response = client.post(f"/admin/outbox/{message_id}/retry")
    assert response.status_code == 302
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert client.post("/admin/outbox/999999/retry").status_code == 404


@pytest.mark.parametrize("role", ["officer", "expert", "centre_staff", "auditor"])
def test_only_the_admin_opens_the_outbox(app, client, login_as, role):
    message_id = _failed_message(app)
    login_as(role)
    assert client.get("/admin/outbox").status_code == 403
    assert client.post(f"/admin/outbox/{message_id}/retry").status_code == 403
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == MessageStatus.FAILED


def test_a_person_turns_reminders_off_on_their_account_page(app, client, login_as):
    account = login_as("expert")
    assert "Gửi cho tôi thư nhắc việc" in client.get("/account/mail").get_data(as_text=True)
    unticked = {"csrf_token": "x"}  # a browser sends the token, not the unticked box
    assert client.post("/account/mail", data=unticked).status_code == 302
    with app.app_context():
        assert db.session.get(User, account.id).reminders_off is True
    client.post("/account/mail", data={"reminders": "y"})
    with app.app_context():
        assert db.session.get(User, account.id).reminders_off is False


def test_officers_get_one_weekly_digest_of_the_queues(ctx):
    from registry.mail.notifications import queue_weekly_digest

    walk = Walk()
    walk.trained()  # one candidate waits for a certification decision
    UserFactory(role=Role.OFFICER, active=False)
    db.session.commit()
    monday = date(2026, 11, 30)
    assert queue_weekly_digest(monday) == 1  # the one active officer
    assert queue_weekly_digest(monday + timedelta(days=2)) == 0  # once a week
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "queue_digest")
    )
    assert message.to_address == walk.officer.email
    assert "Công việc đang chờ" in message.subject
    assert "Đã đào tạo, chờ quyết định chứng nhận: 1" in message.body_text
    assert queue_weekly_digest(monday + timedelta(days=7)) == 1  # the next week's
