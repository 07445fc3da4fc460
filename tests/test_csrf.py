"""With CSRF protection on (as in production), a forged form is refused and changes nothing."""

import re

import pytest

from registry.auth.models import User
from registry.extensions import db
from tests.conftest import create_account, make_app


@pytest.fixture
def csrf_app(app, tmp_path):
    csrf_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, WTF_CSRF_ENABLED=True)
    yield csrf_app
    with csrf_app.app_context():
        db.engine.dispose()


def _token(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _signed_in_client(app, email):
    """Sign in the honest way: with the token the sign-in form carries."""
    client = app.test_client()
    token = _token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def test_forged_sign_in_without_token_is_refused(csrf_app):
    account = create_account(csrf_app, "officer")
    client = csrf_app.test_client()
    response = client.post(
        "/login", data={"email": account.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400
    assert client.get("/experts").status_code == 302


def test_sign_in_with_the_forms_token_works(csrf_app):
    account = create_account(csrf_app, "officer")
    client = csrf_app.test_client()
    token = _token(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "email": account.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


def test_forged_admin_form_creates_no_account(csrf_app):
    admin = create_account(csrf_app, "admin")
    client = _signed_in_client(csrf_app, admin.email)
    response = client.post(
        "/admin/users",
        data={
            "email": "forged@example.vn",
            "full_name": "Giả Mạo",
            "role": "admin",
            "centre_id": 0,
            "password": "long enough password",
        },
    )
    assert response.status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "forged@example.vn")) is None


def test_sign_out_needs_a_token_too(csrf_app):
    account = create_account(csrf_app, "officer")
    client = _signed_in_client(csrf_app, account.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/experts").status_code == 200
