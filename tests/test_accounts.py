"""Accounts a directorate can defend: sessions that end, passwords people can't guess,
records never attached to an account by its email, and an admin who disables accounts."""

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.auth.passwords import password_problem
from registry.experts.models import Expert
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import TEST_PASSWORD
from tests.test_api_permissions import APPLICATION


def _cookie(client):
    return client.get_cookie("session").value


def test_sign_out_ends_the_session_server_side_an_old_cookie_stops_working(app, client):
    account = create_account(app, "officer")
    sign_in(client, account.email)
    stolen = _cookie(client)
    other_device = app.test_client()
    sign_in(other_device, account.email)
    client.post("/logout")

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/experts").status_code == 302  # to the sign-in page
    assert other_device.get("/experts").status_code == 302  # every session of the account
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)
        ) == ("auth.signed_out")


def test_password_change_stops_an_old_cookie(app, client):
    account = create_account(app, "officer")
    sign_in(client, account.email)
    old = _cookie(client)
    new_password = "mây trắng bay qua đỉnh núi"
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old)
    assert replay.get("/experts").status_code == 302
    assert client.get("/experts").status_code == 200  # the session that changed it goes on


def test_a_session_unused_for_the_idle_time_is_signed_out(app, client):
    app.config["REGISTRY_SESSION_IDLE_MINUTES"] = 30
    account = create_account(app, "officer")
    sign_in(client, account.email)
    assert client.get("/experts").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= 29 * 60
    assert client.get("/experts").status_code == 200  # used within the idle time
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    response = client.get("/experts")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_disables_an_account_its_sessions_end_and_it_is_audited(app, client, login_as):
    holder = create_account(app, "officer")
    holder_client = app.test_client()
    sign_in(holder_client, holder.email)
    admin = login_as("admin")
    response = client.post(
        f"/admin/users/{holder.id}",
        data={"full_name": "Lê Văn Khóa", "role": "officer", "centre_id": 0},
    )
    assert response.status_code == 302
    assert holder_client.get("/experts").status_code == 302
    assert sign_in(holder_client, holder.email).status_code == 200  # refused
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "admin.user_updated")
        )
        assert event.actor_id == admin.id and str(event.object_id) == str(holder.id)
        assert event.details["before"]["active"] is True
        assert event.details["after"]["active"] is False


def test_password_rule_refuses_short_common_and_personal_passwords(ctx):
    person = {"full_name": "Nguyễn Văn An", "email": "an.nguyen@example.vn"}
    refused = [
        "1234567890",
        "password12",
        "password1234",
        "qwertyuiop12",
        "nguyenvanan1985",
        "NguyenVanAn!!",
        "an.nguyen@example",
        "x" * 201,
    ]
    for password in refused:
        assert password_problem(password, **person) is not None, password
    assert password_problem("mây trắng bay qua đỉnh núi", **person) is None
    assert password_problem(TEST_PASSWORD, **person) is None


def test_sign_up_refuses_a_guessable_password_and_writes_nothing(app, client):
    for password in ("1234567890", "password12", "password1234", "lehoangcuong2024"):
        response = client.post(
            "/signup",
            data={
                "full_name": "Lê Hoàng Cường",
                "email": "cuong@example.vn",
                "password": password,
                "confirm": password,
            },
        )
        assert response.status_code in (200, 422), password
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "cuong@example.vn")) is None


def test_password_change_refuses_a_password_made_from_the_email(app, client, login_as):
    account = login_as("officer")
    weak = account.email.split("@")[0] + "-2026-xyz"
    response = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": weak, "confirm": weak},
    )
    assert response.status_code == 200
    assert "không được tạo từ họ tên hoặc email" in response.text
    client.post("/logout")
    assert sign_in(client, account.email).status_code == 302  # the old password still holds


def test_admin_cannot_give_a_common_initial_password(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users",
        data={
            "email": "moi@example.vn",
            "full_name": "Trần Văn Mới",
            "role": "officer",
            "centre_id": 0,
            "password": "password1234",
        },
    )
    assert response.status_code in (200, 422)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "moi@example.vn")) is None


def test_passwords_are_argon2_and_an_old_hash_is_upgraded_at_sign_in(app, client):
    account = create_account(app, "officer")
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user.password_hash.startswith("$argon2id$")
        user.password_hash = generate_password_hash(TEST_PASSWORD)  # the former scheme
        db.session.commit()
    assert sign_in(client, account.email).status_code == 302
    with app.app_context():
        assert db.session.get(User, account.id).password_hash.startswith("$argon2id$")
    client.post("/logout")
    assert sign_in(client, account.email).status_code == 302


def test_testing_hashes_are_cheap_production_hashes_are_not(app):
    from registry.config import load_config

    assert app.config["REGISTRY_ARGON2_MEMORY_KIB"] <= 64
    production = load_config(app.instance_path, {"REGISTRY_ENV": "development"})
    assert production["REGISTRY_ARGON2_MEMORY_KIB"] >= 64 * 1024


def test_applying_on_behalf_never_attaches_the_record_to_an_account_with_that_email(
    app, client, api_as
):
    impostor = create_account(app, "expert", email="victim@example.vn")
    _, officer = api_as("officer")
    body = {**APPLICATION, "email": "victim@example.vn"}
    response = client.post("/api/v1/experts", json=body, headers=officer)
    assert response.status_code == 201
    with app.app_context():
        expert = db.session.get(Expert, response.json["id"])
        assert expert.user_id is None
    sign_in(client, impostor.email)
    assert client.get(f"/experts/{response.json['id']}").status_code in (403, 404)
