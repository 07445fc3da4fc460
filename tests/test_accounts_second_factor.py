"""A TOTP second factor for staff, and the admin's rule that requires it for a role."""

import re
import threading
import time

import pyotp
import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth import two_factor
from registry.auth.models import User
from registry.extensions import db
from tests.conftest import create_account, sign_in


def _turn_on(client):
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page.text).group(1)
    wrong = client.post("/account/second-factor", data={"code": "000000"})
    assert wrong.status_code == 200  # nothing turned on
    response = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def _next_code(secret):
    """The code of the next time step (accepted: one step of clock drift is allowed); the
    current one was spent turning the factor on."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_an_officer_turns_it_on_and_then_signing_in_needs_a_code(app, client):
    officer = create_account(app, "officer")
    sign_in(client, officer.email)
    secret = _turn_on(client)
    with app.app_context():
        assert db.session.get(User, officer.id).totp_secret == secret
        assert db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.action == "auth.second_factor_on")
        )
    client.post("/logout")

    response = sign_in(client, officer.email)
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/experts").status_code == 302  # the password alone signs nobody in
    assert client.post("/login/code", data={"code": "123456"}).status_code == 200
    assert client.get("/experts").status_code == 302
    # The code that turned the factor on is spent.
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert client.get("/experts").status_code == 302
    response = client.post("/login/code", data={"code": _next_code(secret)})
    assert response.status_code == 302
    assert client.get("/experts").status_code == 200


def test_a_code_is_accepted_once(app, client):
    """A code seen over a shoulder or in a log cannot be played again within its minute."""
    officer = create_account(app, "officer")
    sign_in(client, officer.email)
    secret = _turn_on(client)
    client.post("/logout")
    code = _next_code(secret)
    sign_in(client, officer.email)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/experts").status_code == 200

    other = app.test_client()
    sign_in(other, officer.email)
    replayed = other.post("/login/code", data={"code": code})
    assert replayed.status_code == 200 and "không đúng" in replayed.text
    assert other.get("/experts").status_code == 302
    # Nor does a spent code turn the factor off.
    assert client.post("/account/second-factor", data={"code": code}).status_code == 200
    with app.app_context():
        assert db.session.get(User, officer.id).totp_secret == secret


def test_wrong_codes_are_slowed_like_wrong_passwords(app, client):
    officer = create_account(app, "officer")
    sign_in(client, officer.email)
    secret = _turn_on(client)
    client.post("/logout")
    sign_in(client, officer.email)
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    refused = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert refused.status_code == 429 and "giây" in refused.text


def test_experts_have_no_second_factor_page(app, client, login_as):
    login_as("expert")
    assert client.get("/account/second-factor").status_code == 404


def test_the_admin_requires_it_for_a_role_and_its_accounts_must_enrol(app, client, login_as):
    admin = login_as("admin")
    response = client.post("/admin/second-factor", data={"roles": ["officer"]})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "admin.second_factor_required")
        )
        assert event.actor_id == admin.id and event.details["after"] == ["officer"]
    client.post("/logout")

    officer = create_account(app, "officer")
    sign_in(client, officer.email)
    response = client.get("/experts")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/second-factor"
    secret = _turn_on(client)
    assert client.get("/experts").status_code == 200
    # Required: it cannot be turned off.
    code = pyotp.TOTP(secret).now()
    assert client.post("/account/second-factor", data={"code": code}).status_code == 200
    with app.app_context():
        assert db.session.get(User, officer.id).totp_secret == secret

    auditor = create_account(app, "auditor")  # a role not required
    other = app.test_client()
    sign_in(other, auditor.email)
    assert other.get("/audit/").status_code == 200


def test_only_the_admin_sets_the_rule(app, client, login_as):
    login_as("officer")
    assert client.post("/admin/second-factor", data={"roles": ["officer"]}).status_code == 403


def test_two_sign_ins_racing_with_one_code_let_one_in(app, backend):
    """The step is taken by one conditional UPDATE: of two transactions presenting the same
    code at once, PostgreSQL lets exactly one through."""
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: nothing races")
    officer = create_account(app, "officer")
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.get(User, officer.id).totp_secret = secret
        db.session.commit()
        db.session.remove()
    code = pyotp.TOTP(secret).now()
    barrier = threading.Barrier(2)
    accepted = []

    def sign_in_with_code():
        with app.app_context():
            user = db.session.get(User, officer.id)
            barrier.wait()
            accepted.append(two_factor.accept_code(user, code))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=sign_in_with_code) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(accepted) == [False, True]
