"""Signing in and out, safe redirects, cookies, and password changes."""

import pytest

from registry.audit.models import AuditEvent
from registry.auth.routes import safe_next
from registry.extensions import db
from tests.conftest import create_account, sign_in


def test_sign_in_lands_on_the_roles_home_and_sign_out_ends_it(app, client):
    account = create_account(app, "officer")
    response = sign_in(client, account.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/experts"
    assert client.get("/experts").status_code == 200

    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/experts").status_code == 302  # back to the sign-in page


def test_email_is_case_insensitive(app, client):
    account = create_account(app, "auditor")
    assert sign_in(client, account.email.upper()).status_code == 302


def test_wrong_password_is_refused_with_a_message_that_reveals_nothing(app, client):
    account = create_account(app, "officer")
    for email in (account.email, "nobody@example.vn"):
        response = sign_in(client, email, "wrong password")
        assert response.status_code == 200
        assert "Email hoặc mật khẩu không đúng." in response.text
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
            "auth.sign_in_failed"
        )


def test_inactive_account_cannot_sign_in(app, client):
    account = create_account(app, "officer", active=False)
    assert sign_in(client, account.email).status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/experts?status=applied", "/experts?status=applied"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("javascript:alert(1)", None),
        ("/ok\r\nSet-Cookie: x=1", None),
        ("", None),
    ],
)
def test_safe_next_accepts_only_paths_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_sign_in_follows_a_relative_next_but_not_an_external_one(app, client):
    account = create_account(app, "officer")
    response = client.post(
        "/login?next=/audit/",
        data={"email": account.email, "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/audit/"
    client.post("/logout")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": account.email, "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/experts"


def test_anonymous_user_is_sent_to_sign_in_with_next(client):
    response = client.get("/experts")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_session_cookie_is_httponly_and_samesite(app, client):
    account = create_account(app, "officer")
    response = sign_in(client, account.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_password_change_ends_the_users_other_sessions(app):
    account = create_account(app, "officer")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, account.email)
    sign_in(phone, account.email)
    assert phone.get("/experts").status_code == 200

    response = laptop.post(
        "/account/password",
        data={
            "current_password": "correct horse battery staple",
            "new_password": "a much longer new secret",
            "confirm": "a much longer new secret",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/experts").status_code == 200  # this session goes on
    assert phone.get("/experts").status_code == 302  # the other one was signed out
    assert sign_in(phone, account.email, "a much longer new secret").status_code == 302


def test_password_change_needs_the_current_password(app, client, login_as):
    login_as("officer")
    response = client.post(
        "/account/password",
        data={
            "current_password": "guess",
            "new_password": "another long secret",
            "confirm": "another long secret",
        },
    )
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng." in response.text


def test_deactivating_an_account_signs_it_out(app, login_as, client):
    victim = create_account(app, "auditor")
    other = app.test_client()
    sign_in(other, victim.email)
    assert other.get("/audit/").status_code == 200
    login_as("admin")
    client.post(
        f"/admin/users/{victim.id}",
        data={"full_name": "Kiểm Tra Viên", "role": "auditor", "centre_id": 0},
    )
    assert other.get("/audit/").status_code == 302
