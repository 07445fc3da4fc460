"""Settings: defaults, then environment variables, then the config passed to create_app()."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The app cannot start with these settings."""


def _int(name, default):
    raw = os.environ.get(name)
    try:
        return int(raw) if raw not in (None, "") else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _flag(name, default):
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


def load_config(instance_path, overrides=None):
    """Build the app's settings; `overrides` (tests, scripts) win over the environment."""
    overrides = dict(overrides or {})
    env = overrides.get("REGISTRY_ENV") or os.environ.get("REGISTRY_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"REGISTRY_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    instance = Path(instance_path)
    testing = env == "testing"

    config = {
        "REGISTRY_ENV": env,
        "TESTING": testing,
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "REGISTRY_DATABASE_URL", f"sqlite:///{instance / 'registry.sqlite3'}"
        ),
        # hide_parameters: a failed statement's values (names, emails) stay out of the logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "REGISTRY_CERTIFICATES_DIR": os.environ.get(
            "REGISTRY_CERTIFICATES_DIR", str(PROJECT_ROOT / "certificates")
        ),
        "REGISTRY_UPLOADS_DIR": os.environ.get("REGISTRY_UPLOADS_DIR", str(instance / "uploads")),
        "REGISTRY_EVIDENCE_MAX_BYTES": _int("REGISTRY_EVIDENCE_MAX_BYTES", 4 * 1024 * 1024),
        # An import of more data rows than this runs as a task (registry/centres/import_jobs.py).
        "REGISTRY_IMPORT_BACKGROUND_ROWS": _int("REGISTRY_IMPORT_BACKGROUND_ROWS", 300),
        # Base of the QR codes' links. Unset in development: the server's own address is used
        # (certificates/rendering.py); required in production (checked below).
        "REGISTRY_PUBLIC_URL": os.environ.get("REGISTRY_PUBLIC_URL")
        or ("http://127.0.0.1:5000" if testing else None),
        "REGISTRY_CERTIFICATE_VALIDITY_YEARS": _int("REGISTRY_CERTIFICATE_VALIDITY_YEARS", 3),
        "REGISTRY_CPD_MIN_HOURS": _int("REGISTRY_CPD_MIN_HOURS", 60),
        # Accounts (docs/accounts.md). argon2id costs: tests use the cheapest (fast suite).
        "REGISTRY_ARGON2_TIME_COST": _int("REGISTRY_ARGON2_TIME_COST", 1 if testing else 3),
        "REGISTRY_ARGON2_MEMORY_KIB": _int(
            "REGISTRY_ARGON2_MEMORY_KIB", 8 if testing else 64 * 1024
        ),
        "REGISTRY_ARGON2_PARALLELISM": _int("REGISTRY_ARGON2_PARALLELISM", 1 if testing else 4),
        "REGISTRY_SESSION_IDLE_MINUTES": _int("REGISTRY_SESSION_IDLE_MINUTES", 30),
        # Cases (registry/cases): days to appeal a decision, to acknowledge a case once
        # received, and to decide it once acknowledged.
        "REGISTRY_APPEAL_PERIOD_DAYS": _int("REGISTRY_APPEAL_PERIOD_DAYS", 30),
        "REGISTRY_CASE_ACKNOWLEDGE_DAYS": _int("REGISTRY_CASE_ACKNOWLEDGE_DAYS", 5),
        "REGISTRY_CASE_DECISION_DAYS": _int("REGISTRY_CASE_DECISION_DAYS", 60),
        # Emailed links (docs/accounts.md): how long they work, and how long an unconfirmed
        # sign-up is kept.
        "REGISTRY_EMAIL_LINK_HOURS": _int("REGISTRY_EMAIL_LINK_HOURS", 24),
        "REGISTRY_RESET_LINK_MINUTES": _int("REGISTRY_RESET_LINK_MINUTES", 60),
        "REGISTRY_INVITATION_DAYS": _int("REGISTRY_INVITATION_DAYS", 30),
        "REGISTRY_UNCONFIRMED_DAYS": _int("REGISTRY_UNCONFIRMED_DAYS", 7),
        # Retention (docs/retention.md): days the text of a sent message is kept, days the
        # document of a refused request is kept, years a person's certification records keep
        # their identity once the certification ended.
        "REGISTRY_RETENTION_MAIL_DAYS": _int("REGISTRY_RETENTION_MAIL_DAYS", 90),
        "REGISTRY_RETENTION_DOCUMENT_DAYS": _int("REGISTRY_RETENTION_DOCUMENT_DAYS", 365),
        "REGISTRY_RETENTION_RECORD_YEARS": _int("REGISTRY_RETENTION_RECORD_YEARS", 10),
        "REGISTRY_ISSUING_BODY": os.environ.get(
            "REGISTRY_ISSUING_BODY", "Tổng cục Tiêu chuẩn Đo lường Chất lượng"
        ),
        "REGISTRY_SIGNATORY_NAME": os.environ.get("REGISTRY_SIGNATORY_NAME", "Nguyễn Hoàng Linh"),
        "REGISTRY_SIGNATORY_TITLE": os.environ.get("REGISTRY_SIGNATORY_TITLE", "Tổng cục trưởng"),
        # Certificates (docs/certificates.md): render the PDF inside issue_certificate, or leave
        # it (sha256 NULL) for `registry issue-batch`; public verification limits per client.
        "REGISTRY_CERTIFICATES_RENDER_AT_ISSUE": _flag(
            "REGISTRY_CERTIFICATES_RENDER_AT_ISSUE", True
        ),
        "REGISTRY_VERIFY_RATE_LIMIT": os.environ.get(
            "REGISTRY_VERIFY_RATE_LIMIT", "30 per minute;500 per day"
        ),
        # Rate limits (docs/api.md): sign-in attempts per client address (a flood guard only:
        # failures are slowed per account and address, docs/accounts.md); the API per token,
        # or per address without one.
        "REGISTRY_LOGIN_RATE_LIMIT": os.environ.get("REGISTRY_LOGIN_RATE_LIMIT", "120 per minute"),
        "REGISTRY_COMPLAINT_RATE_LIMIT": os.environ.get(
            "REGISTRY_COMPLAINT_RATE_LIMIT", "5 per hour;20 per day"
        ),
        "REGISTRY_API_TOKEN_RATE_LIMIT": os.environ.get(
            "REGISTRY_API_TOKEN_RATE_LIMIT", "600 per minute"
        ),
        "REGISTRY_API_ANONYMOUS_RATE_LIMIT": os.environ.get(
            "REGISTRY_API_ANONYMOUS_RATE_LIMIT", "120 per minute"
        ),
        # In-process counters unless Redis is given (redis://host:6379/0, docs/operations.md).
        "RATELIMIT_STORAGE_URI": os.environ.get("REGISTRY_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("REGISTRY_RATELIMIT_KEY_PREFIX", "registry"),
        # How many worker processes serve the app (gunicorn.conf.py sets it).
        "REGISTRY_WORKERS": _int("REGISTRY_WORKERS", 1),
        # Signed credentials and the audit checkpoints (docs/certificates.md): the Ed25519
        # key (PEM); development generates one into instance/, production requires it.
        "REGISTRY_SIGNING_KEY_FILE": os.environ.get("REGISTRY_SIGNING_KEY_FILE") or None,
        # The PAdES signature of the PDFs: a PKCS#12 file; development makes a self-signed one.
        "REGISTRY_PDF_SIGNING_P12": os.environ.get("REGISTRY_PDF_SIGNING_P12") or None,
        "REGISTRY_PDF_SIGNING_P12_PASSWORD": os.environ.get("REGISTRY_PDF_SIGNING_P12_PASSWORD")
        or None,
        "REGISTRY_AUDIT_CHECKPOINT_DIR": os.environ.get(
            "REGISTRY_AUDIT_CHECKPOINT_DIR", str(instance / "audit-checkpoints")
        ),
        # Tasks and mail (docs/operations.md): tasks run at once in tests; without an SMTP
        # host the worker writes each message as an .eml file under instance/mail/.
        "REGISTRY_TASKS_IMMEDIATE": _flag("REGISTRY_TASKS_IMMEDIATE", testing),
        "REGISTRY_BATCH_PROCESSES": _int("REGISTRY_BATCH_PROCESSES", 0),
        "REGISTRY_SMTP_HOST": os.environ.get("REGISTRY_SMTP_HOST", ""),
        "REGISTRY_SMTP_PORT": _int("REGISTRY_SMTP_PORT", 25),
        "REGISTRY_SMTP_USERNAME": os.environ.get("REGISTRY_SMTP_USERNAME", ""),
        "REGISTRY_SMTP_PASSWORD": os.environ.get("REGISTRY_SMTP_PASSWORD", ""),
        "REGISTRY_SMTP_STARTTLS": _flag("REGISTRY_SMTP_STARTTLS", False),
        "REGISTRY_MAIL_FROM": os.environ.get("REGISTRY_MAIL_FROM", "registry@localhost"),
        "REGISTRY_MAIL_DIR": os.environ.get("REGISTRY_MAIL_DIR", str(instance / "mail")),
        "MAX_CONTENT_LENGTH": _int("REGISTRY_MAX_UPLOAD_BYTES", 5 * 1024 * 1024),
        "REGISTRY_API_MAX_BODY_BYTES": _int("REGISTRY_API_MAX_BODY_BYTES", 1024 * 1024),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "registry" / "translations"),
        "LANGUAGES": ("vi", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    }
    config.update(overrides)
    # A server connection may have dropped while pooled: test it before use. A SQLite file
    # has no connection to lose, and the test would cost a statement per request.
    server = not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": server} | config[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ]

    secret = config.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. In production the registry refuses to start without it: "
                "set SECRET_KEY to a long random value (e.g. python -c "
                "'import secrets; print(secrets.token_hex(32))')."
            )
        secret = _development_secret(instance) if env == "development" else secrets.token_hex(32)
    config["SECRET_KEY"] = secret
    if env == "production" and not config["REGISTRY_PUBLIC_URL"]:
        raise ConfigError(
            "REGISTRY_PUBLIC_URL is not set. In production the registry refuses to start "
            "without it: QR codes on certificates link to it (e.g. "
            "REGISTRY_PUBLIC_URL=https://nangsuat.example.gov.vn)."
        )
    key_file = config["REGISTRY_SIGNING_KEY_FILE"]
    if env == "production" and not (key_file and os.path.isfile(key_file)):
        raise ConfigError(
            "REGISTRY_SIGNING_KEY_FILE is not set or is not a file. In production the registry "
            "refuses to start without the Ed25519 key that signs credentials "
            "(docs/certificates.md; `flask --app wsgi registry signing-key FILE` makes one)."
        )
    p12 = config["REGISTRY_PDF_SIGNING_P12"]
    if env == "production" and not (p12 and os.path.isfile(p12)):
        raise ConfigError(
            "REGISTRY_PDF_SIGNING_P12 is not set or is not a file. In production the registry "
            "refuses to start without the PKCS#12 certificate that signs certificate PDFs "
            "(docs/certificates.md)."
        )
    return config


def _development_secret(instance):
    """A random key kept in instance/ so that development sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
