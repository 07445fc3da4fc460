"""Bearer tokens: stored as SHA-256 only, refused when revoked or the account is disabled,
created and revoked by their owner on /account/tokens or by `registry create-token`."""

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa

from registry.api.tokens import LAST_USED_PRECISION, MAX_ACTIVE_TOKENS
from registry.audit.models import AuditEvent
from registry.auth.models import ApiToken, User
from registry.database import utcnow
from registry.extensions import db
from tests.factories import api_token_for

TOKEN = re.compile(r"pqr_[A-Za-z0-9_-]{43}")


def _tokens(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)).all()
        db.session.expunge_all()
        return rows


def test_the_database_keeps_only_the_sha256_of_a_token(app, client, api_as):
    account, headers = api_as("officer")
    plaintext = headers["Authorization"].removeprefix("Bearer ")
    assert TOKEN.fullmatch(plaintext)
    (token,) = _tokens(app)
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    with app.app_context():
        dump = "\n".join(
            str(row) for row in db.session.execute(sa.text("SELECT * FROM api_tokens"))
        )
    assert plaintext not in dump
    assert client.get("/api/v1/me", headers=headers).json["id"] == account.id


def test_use_is_recorded_at_most_once_a_minute(app, client, api_as):
    _, headers = api_as("auditor")
    assert _tokens(app)[0].last_used_at is None
    client.get("/api/v1/me", headers=headers)
    first = _tokens(app)[0].last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    client.get("/api/v1/me", headers=headers)
    assert _tokens(app)[0].last_used_at == first
    with app.app_context():  # a minute later
        db.session.execute(sa.update(ApiToken).values(last_used_at=first - LAST_USED_PRECISION * 2))
        db.session.commit()
    client.get("/api/v1/health", headers=headers)  # any endpoint, even a public one
    assert _tokens(app)[0].last_used_at > first


def test_revoked_tokens_and_disabled_accounts_are_refused(app, client, api_as):
    account, headers = api_as("officer")
    with app.app_context():
        from registry.api.tokens import revoke_token

        revoke_token(db.session.scalar(sa.select(ApiToken)), actor=None)
        db.session.commit()
    response = client.get("/api/v1/me", headers=headers | {"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json["error"]["message"] == "The API token is not valid or was revoked."

    account, headers = api_as("auditor")
    with app.app_context():
        db.session.get(User, account.id).active = False
        db.session.commit()
    response = client.get("/api/v1/me", headers=headers | {"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json["error"]["message"] == "The account of this API token is disabled."


def test_bad_authorization_headers_are_401_even_on_public_endpoints(client):
    for header in ("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer pqr_not-a-token", "x"):
        response = client.get("/api/v1/health", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/health").status_code == 200


def test_the_browser_session_does_not_open_the_api(client, login_as):
    login_as("officer")
    assert client.get("/experts").status_code == 200
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers  # the API neither reads nor touches the session
    assert client.get("/experts").status_code == 200  # still signed in


def test_cli_prints_a_new_token_once_and_audits_it(app, runner, client):
    from tests.conftest import create_account

    account = create_account(app, "centre_staff")
    result = runner.invoke(
        args=["registry", "create-token", "--email", account.email.upper(), "--name", "HN01 LMS"]
    )
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip()
    assert TOKEN.fullmatch(plaintext)
    (token,) = _tokens(app)
    assert token.name == "HN01 LMS"
    assert token.user_id == account.id
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/me", headers=headers).json["email"] == account.email
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "api_token.created")
        )
        assert event.details == {"user_id": account.id, "name": "HN01 LMS"}
        assert plaintext not in str(event.details)


def test_cli_refuses_an_unknown_account(runner):
    result = runner.invoke(args=["registry", "create-token", "--email", "nobody@example.vn"])
    assert result.exit_code != 0
    assert "No account with email nobody@example.vn" in result.output


def test_tokens_page_creates_a_token_shown_once_and_revokes_it(app, client, login_as):
    account = login_as("expert")
    assert client.get("/account/tokens").status_code == 200
    response = client.post("/account/tokens", data={"name": "Hệ thống của tôi"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    (plaintext,) = TOKEN.findall(response.text)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/me", headers=headers).json["id"] == account.id
    page = client.get("/account/tokens").text
    assert "Hệ thống của tôi" in page
    assert plaintext not in page  # shown once
    (token,) = _tokens(app)
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert _tokens(app)[0].revoked_at is not None
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "api_token")
        ).all()
    assert actions == ["api_token.created", "api_token.revoked"]


def test_nobody_revokes_someone_elses_token(app, client, login_as):
    from tests.conftest import create_account

    other = create_account(app, "officer")
    with app.app_context():
        api_token_for(db.session.get(User, other.id), name="Hệ thống của người khác")
        db.session.commit()
    (token,) = _tokens(app)
    login_as("officer")
    assert "Hệ thống của người khác" not in client.get("/account/tokens").text
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 403
    assert _tokens(app)[0].revoked_at is None
    assert client.post("/account/tokens/999999/revoke").status_code == 404


def test_tokens_page_refuses_bad_names_and_writes_nothing(app, client, login_as):
    login_as("auditor")
    for name in ("", "   ", "x" * 101, "<script>alert(1)</script>"):
        response = client.post("/account/tokens", data={"name": name})
        assert response.status_code == 400, name
        assert not TOKEN.search(response.text)
    assert _tokens(app) == []


def test_a_user_holds_at_most_a_few_active_tokens(app, client, login_as):
    login_as("officer")
    for n in range(MAX_ACTIVE_TOKENS):
        assert client.post("/account/tokens", data={"name": f"system {n}"}).status_code == 200
    response = client.post("/account/tokens", data={"name": "one too many"})
    assert response.status_code == 400
    assert len(_tokens(app)) == MAX_ACTIVE_TOKENS


def test_signing_in_is_needed_for_the_tokens_page(client):
    assert client.get("/account/tokens").status_code == 302
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 302
