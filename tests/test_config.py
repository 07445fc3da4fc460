"""Configuration: production refuses to start without a secret; SQLite is set up safely."""

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from registry import create_app
from registry.certificates.signing import self_signed_p12
from registry.config import PROJECT_ROOT, ConfigError
from registry.credentials.keys import write_key_file
from registry.extensions import db


def _flask(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = _flask(
        "routes",
        REGISTRY_ENV="production",
        REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_with_secret_key_starts_with_secure_cookies(tmp_path):
    key_file = tmp_path / "signing.pem"
    write_key_file(key_file)
    p12 = tmp_path / "signing.p12"
    p12.write_bytes(self_signed_p12("Test"))
    app = create_app(
        {
            "REGISTRY_ENV": "production",
            "SECRET_KEY": "x" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "REGISTRY_SIGNING_KEY_FILE": str(key_file),
            "REGISTRY_PDF_SIGNING_P12": str(p12),
            "REGISTRY_PUBLIC_URL": "https://registry.example.vn",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_production_without_a_public_url_refuses_to_start(tmp_path):
    result = _flask(
        "routes",
        REGISTRY_ENV="production",
        SECRET_KEY="x" * 64,
        REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    assert result.returncode != 0
    assert "REGISTRY_PUBLIC_URL is not set" in result.stderr


def test_development_qr_codes_follow_the_address_the_server_answers_on(tmp_path, monkeypatch):
    from registry.certificates.rendering import PublicUrlUnknown, public_base_url

    monkeypatch.delenv("REGISTRY_PUBLIC_URL", raising=False)
    app = create_app(
        {
            "REGISTRY_ENV": "development",
            "SECRET_KEY": "x" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.sqlite3'}",
        }
    )
    with app.test_request_context("/", base_url="http://192.168.1.20:8080"):
        assert public_base_url() == "http://192.168.1.20:8080"
    with app.app_context(), pytest.raises(PublicUrlUnknown, match="REGISTRY_PUBLIC_URL"):
        public_base_url()  # a command outside a request: refused with the fix stated
    app.config["REGISTRY_PUBLIC_URL"] = "https://registry.example.vn/"
    with app.test_request_context("/", base_url="http://192.168.1.20:8080"):
        assert public_base_url() == "https://registry.example.vn"


def test_issue_batch_without_a_public_url_says_what_to_set(tmp_path):
    result = _flask(
        "registry",
        "issue-batch",
        REGISTRY_ENV="development",
        SECRET_KEY="x" * 64,
        REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'b.sqlite3'}",
    )
    assert result.returncode != 0
    assert "REGISTRY_PUBLIC_URL is not set" in result.stderr


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="REGISTRY_ENV"):
        create_app({"REGISTRY_ENV": "staging"})


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'from-env.sqlite3'}"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    app = create_app({"REGISTRY_ENV": "testing"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url


def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_when_busy(tmp_path):
    app = create_app(
        {
            "REGISTRY_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}",
        }
    )
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
    with app.app_context():
        db.engine.dispose()


def test_production_without_signing_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="REGISTRY_SIGNING_KEY_FILE"):
        create_app(
            {
                "REGISTRY_ENV": "production",
                "SECRET_KEY": "x" * 64,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                "REGISTRY_PUBLIC_URL": "https://registry.example.vn",
                "REGISTRY_SIGNING_KEY_FILE": str(tmp_path / "missing.pem"),
            }
        )
