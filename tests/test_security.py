"""Protection on every response: security headers from one place, no inline script or style
for the CSP to block, HSTS only in production, and no personal data in the logs."""

import logging
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.config import PROJECT_ROOT
from registry.extensions import db
from registry.security import CONTENT_SECURITY_POLICY
from tests.conftest import make_app, sign_in
from tests.factories import ExpertFactory, production_signing_files

PATHS = [
    "/",
    "/register",
    "/login",
    "/no-such-page",
    "/api/v1/health",
    "/api/v1/me",
    "/api/v1/nothing",
    "/static/css/registry.css",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    with client.get(path) as response:  # closes the static file
        headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # not over plain HTTP in tests


def test_a_header_the_answer_sets_itself_is_kept_and_not_repeated(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/unused.sqlite3", tmp_path)

    @app.get("/own-policy")
    def own_policy():
        return "ok", {"Referrer-Policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN"}

    headers = app.test_client().get("/own-policy").headers
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_the_policy_forbids_inline_scripts_and_framing():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_hsts_is_sent_in_production_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = make_app(
        f"sqlite:///{tmp_path}/unused.sqlite3",
        tmp_path,
        REGISTRY_ENV="production",
        **production_signing_files(tmp_path),
        REGISTRY_PUBLIC_URL="https://registry.example.vn",
    )
    with app.test_client().get("/static/css/registry.css") as response:
        hsts = response.headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"


def test_templates_hold_no_inline_script_style_or_handler():
    """What the CSP would block in a browser is caught here first."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|<style|\son[a-z]+=|javascript:", re.I)
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "templates").rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []


def test_api_answers_are_not_cached(client):
    assert client.get("/api/v1/health").headers["Cache-Control"] == "no-store"


def test_no_personal_data_reaches_the_logs(app, client, caplog):
    """Sign-in failures, searches, API errors and database errors log no email or name."""
    from tests.conftest import create_account

    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="registry")
    account = create_account(app, "officer", full_name="Trịnh Công Sơn")
    sign_in(client, account.email, "wrong password")
    client.get("/register?q=Trịnh Công Sơn")
    client.get("/api/v1/me", headers={"Authorization": "Bearer pqr_wrong"})
    with app.app_context():
        ExpertFactory(email="duplicate@example.vn", full_name="Trịnh Công Sơn")
        db.session.commit()
        for duplicate in ({"email": "duplicate@example.vn"}, {"full_name": "Trịnh Công Sơn"}):
            with pytest.raises(sa.exc.IntegrityError) as failure:
                ExpertFactory(date_of_birth=date(1939, 2, 28), **duplicate)
                ExpertFactory(date_of_birth=date(1939, 2, 28), **duplicate)
                db.session.flush()
            db.session.rollback()
            assert "SQL parameters hidden" in str(failure.value)
            # PostgreSQL quotes the duplicate values in its own message: logged, they are masked.
            app.logger.error("Import failed", exc_info=failure.value)
        app.logger.warning("Could not notify %s", account.email)
    logged = caplog.text
    for personal in (account.email, "duplicate@example.vn", "Trịnh Công Sơn", "trinh cong son"):
        assert personal not in logged
    assert "Could not notify [email]" in logged


def test_request_size_limit_answers_413(client):
    big = "x" * (6 * 1024 * 1024)
    assert client.post("/login", data={"email": big}).status_code == 413
    response = client.post("/api/v1/health", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_gunicorn_config_logs_no_query_string_nor_client_details(monkeypatch):
    monkeypatch.setenv("REGISTRY_WORKERS", "3")
    monkeypatch.setenv("REGISTRY_BIND", "127.0.0.1:5999")
    namespace = {}
    exec((PROJECT_ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    assert namespace["workers"] == 3
    assert namespace["bind"] == "127.0.0.1:5999"
    assert namespace["timeout"] == 30
    # %(U)s is the path alone; %(r)s, %(q)s would add the query string; %(h)s the
    # client's address; %(u)s the user; %(f)s and %(a)s referrer and browser.
    fmt = namespace["access_log_format"]
    assert "%(U)s" in fmt
    for field in ("%(r)s", "%(q)s", "%(h)s", "%(u)s", "%(f)s", "%(a)s", "%({"):
        assert field not in fmt
    assert Path(PROJECT_ROOT / "gunicorn.conf.py").is_file()
