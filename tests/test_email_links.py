"""Accounts proven by email: sign-up confirmation, password reset, unconfirmed expiry."""

import time
from datetime import timedelta

import sqlalchemy as sa
from itsdangerous import TimestampSigner

from registry.audit.models import AuditEvent
from registry.auth.email_links import delete_unconfirmed
from registry.auth.models import User
from registry.database import utcnow
from registry.enums import Role
from registry.extensions import db
from registry.mail.models import OutboxMessage
from tests.conftest import create_account, sign_in
from tests.factories import TEST_PASSWORD, UserFactory
from tests.links import mailed_path

NEW_PASSWORD = "mây trắng bay qua đỉnh núi"
SIGN_UP = {
    "full_name": "Trần Văn Bình",
    "email": "binh@example.vn",
    "password": NEW_PASSWORD,
    "confirm": NEW_PASSWORD,
}


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge_all()
        db.session.remove()
    return user


def _messages(app, kind, to):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.kind == kind, OutboxMessage.to_address == to
            )
        )


def _actions(app):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent.action)).all()


def test_a_sign_up_waits_for_the_mailed_link_then_goes_on(app, client):
    response = client.post("/signup", data=SIGN_UP)
    assert response.location.endswith("/account/confirm")
    assert _user(app, "binh@example.vn").email_confirmed_at is None
    # Every page but the wait (and signing out) sends the account back to wait.
    for path in ("/me", "/me/apply", "/account/password", "/account/tokens", "/register"):
        assert client.get(path).location.endswith("/account/confirm"), path
    assert client.post("/me/apply", data={}).location.endswith("/account/confirm")
    page = client.get("/account/confirm").get_data(as_text=True)
    assert "binh@example.vn" in page
    path = mailed_path(app, "confirm_email", "binh@example.vn")
    assert client.get(path).status_code == 302
    assert _user(app, "binh@example.vn").email_confirmed_at is not None
    assert client.get("/me/apply").status_code == 200
    assert "auth.email_confirmed" in _actions(app)
    # Single use: the same link again is refused and changes nothing.
    assert client.get(path).status_code == 404


def test_the_wait_holds_after_signing_in_again(app, client):
    client.post("/signup", data=SIGN_UP)
    client.post("/logout")
    assert sign_in(client, "binh@example.vn", NEW_PASSWORD).status_code == 302
    assert client.get("/me").location.endswith("/account/confirm")
    client.post("/account/confirm/resend")
    assert _messages(app, "confirm_email", "binh@example.vn") == 2


def test_a_forged_or_expired_confirmation_link_confirms_nothing(app, client, monkeypatch):
    client.post("/signup", data=SIGN_UP)
    path = mailed_path(app, "confirm_email", "binh@example.vn")
    assert client.get(path[:-3] + "abc").status_code == 404  # signature broken
    user = _user(app, "binh@example.vn")
    with app.app_context():
        from registry.auth import links

        real = time.time()
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real - 2 * 86400))
        old = links.make_token(links.CONFIRM, user.id, user.email)
        monkeypatch.undo()
    assert client.get(f"/account/confirm/{old}").status_code == 404  # expired (24 h)
    assert _user(app, "binh@example.vn").email_confirmed_at is None


def test_unconfirmed_accounts_are_deleted_after_the_grace_days(app):
    with app.app_context():
        stale = UserFactory(role=Role.EXPERT, email_confirmed_at=None)
        stale.created_at = utcnow() - timedelta(days=8)
        fresh = UserFactory(role=Role.EXPERT, email_confirmed_at=None)
        confirmed = UserFactory(role=Role.EXPERT)
        confirmed.created_at = utcnow() - timedelta(days=80)
        db.session.commit()
        ids = stale.id, fresh.id, confirmed.id
        assert delete_unconfirmed(utcnow(), app.config["REGISTRY_UNCONFIRMED_DAYS"]) == [ids[0]]
        db.session.commit()
        left = set(db.session.scalars(sa.select(User.id).where(User.id.in_(ids))))
        assert left == {ids[1], ids[2]}
        assert delete_unconfirmed(utcnow(), 7) == []  # nothing more: safe to run again
        events = db.session.scalars(
            sa.select(AuditEvent.object_id).where(AuditEvent.action == "auth.unconfirmed_deleted")
        ).all()
        assert events == [str(ids[0])]


def test_an_unconfirmed_account_that_was_mailed_is_deleted_too(app, client):
    client.post("/signup", data=SIGN_UP)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "binh@example.vn"))
        user.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        assert len(delete_unconfirmed(utcnow(), app.config["REGISTRY_UNCONFIRMED_DAYS"])) == 1
        db.session.commit()
    assert _messages(app, "confirm_email", "binh@example.vn") == 1  # kept, to no account


def test_password_reset_answers_the_same_for_any_address(app, client):
    account = create_account(app, "officer")
    answers = []
    for email in (account.email, "nobody@example.vn"):
        response = client.post("/password/forgot", data={"email": email})
        answers.append((response.status_code, response.location))
        answers.append(client.get("/login").get_data(as_text=True).count("If an account"))
    assert answers[0:2] == answers[2:4]
    assert _messages(app, "password_reset", account.email) == 1
    assert _messages(app, "password_reset", "nobody@example.vn") == 0


def test_a_reset_link_sets_a_password_once_and_ends_every_session(app, client):
    account = create_account(app, "expert")
    other = app.test_client()
    assert sign_in(other, account.email).status_code == 302
    client.post("/password/forgot", data={"email": account.email})
    path = mailed_path(app, "password_reset", account.email)
    weak = {"new_password": "1234567890ab", "confirm": "1234567890ab"}
    assert client.post(path, data=weak).status_code == 422  # the password rule holds here
    good = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(path, data=good).location.endswith("/login")
    assert other.get("/account/password").status_code == 302  # the other session ended
    assert client.post(path, data=good).status_code == 404  # used up
    assert sign_in(client, account.email, TEST_PASSWORD).status_code == 200
    assert sign_in(client, account.email, NEW_PASSWORD).status_code == 302
    assert "auth.password_reset" in _actions(app)


def test_a_reset_link_confirms_an_unconfirmed_email(app, client):
    client.post("/signup", data=SIGN_UP)
    client.post("/logout")
    client.post("/password/forgot", data={"email": "binh@example.vn"})
    other = "một con đường dài xanh"
    path = mailed_path(app, "password_reset", "binh@example.vn")
    client.post(path, data={"new_password": other, "confirm": other})
    assert _user(app, "binh@example.vn").email_confirmed_at is not None


def test_an_admin_sends_a_reset_link_audited_and_mailed(app, client, login_as):
    holder = create_account(app, "officer")
    admin = login_as("admin")
    response = client.post(f"/admin/users/{holder.id}/reset")
    assert response.location.endswith(f"/admin/users/{holder.id}")
    path = mailed_path(app, "password_reset", holder.email)
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "admin.password_reset_sent")
        )
        assert event.actor_id == admin.id and str(event.object_id) == str(holder.id)
        message = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "password_reset")
        )
        assert "Quản trị viên" in message.body_text
    good = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert app.test_client().post(path, data=good).location.endswith("/login")


def test_an_admin_cannot_send_a_reset_to_a_disabled_account_nor_one_unknown(app, client, login_as):
    holder = create_account(app, "officer")
    with app.app_context():
        db.session.get(User, holder.id).active = False
        db.session.commit()
    login_as("admin")
    client.post(f"/admin/users/{holder.id}/reset")
    assert _messages(app, "password_reset", holder.email) == 0
    assert client.post("/admin/users/999999/reset").status_code == 404
    officer = app.test_client()
    sign_in(officer, create_account(app, "officer").email)
    assert officer.post(f"/admin/users/{holder.id}/reset").status_code == 403


def test_a_disabled_account_holder_is_told_by_mail(app, client, login_as):
    holder = create_account(app, "officer")
    login_as("admin")
    client.post(
        f"/admin/users/{holder.id}",
        data={"full_name": "Lê Văn Khóa", "role": "officer", "centre_id": 0},
    )
    assert _messages(app, "account_disabled", holder.email) == 1
    # Saving again (still disabled) mails nothing more.
    client.post(
        f"/admin/users/{holder.id}",
        data={"full_name": "Lê Văn Khóa", "role": "officer", "centre_id": 0},
    )
    assert _messages(app, "account_disabled", holder.email) == 1
