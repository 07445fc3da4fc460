"""Fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when configured).

Every test that uses `app` runs once per backend. SQLite tests get a copy of a database
migrated once per session; PostgreSQL tests share one migrated database that is emptied
(TRUNCATE) and given back its reference rows (topics, targets) after each test.
"""

import os
import shutil
from dataclasses import dataclass

import flask_migrate
import pytest
import sqlalchemy as sa

from registry import create_app
from registry.extensions import db
from tests.factories import TEST_PASSWORD

PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL")
PG_MISSING = (
    "PostgreSQL NOT TESTED: set REGISTRY_TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the suite on PostgreSQL"
)
REFERENCE_TABLES = ("topics", "targets", "sectors")


def make_app(url, tmp_path, **overrides):
    config = {
        "REGISTRY_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": url,
        "REGISTRY_CERTIFICATES_DIR": str(tmp_path / "certificates"),
        "REGISTRY_UPLOADS_DIR": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # Tests sign many accounts in from one address; tests/test_api_limits.py sets its own.
        "REGISTRY_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    config.update(overrides)
    return create_app(config)


def pytest_report_header(config):
    return f"PostgreSQL: {PG_URL}" if PG_URL else PG_MISSING


def pytest_terminal_summary(terminalreporter):
    if not PG_URL:
        terminalreporter.write_sep("!", PG_MISSING, yellow=True, bold=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "registry.sqlite3"
    app = make_app(f"sqlite:///{path}", path.parent)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


def _database_of_this_worker(url):
    """Under pytest-xdist each worker has a database of its own (test_gw0, …) on the server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    url = sa.make_url(url)
    name = f"{url.database}_{worker}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """The PostgreSQL test database, migrated once; its reference rows are remembered."""
    if not PG_URL:
        pytest.skip(PG_MISSING)
    url = _database_of_this_worker(PG_URL)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    app = make_app(url, tmp_path_factory.mktemp("pg"))
    with app.app_context():
        flask_migrate.upgrade()
        reference = {
            name: [
                dict(row._mapping) for row in db.session.execute(db.metadata.tables[name].select())
            ]
            for name in REFERENCE_TABLES
        }
        db.session.remove()
        db.engine.dispose()
    return url, reference


def _reset_postgres(app, reference):
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            # The append-only tables refuse TRUNCATE: their guards are off while emptying.
            for name in tables:
                conn.execute(sa.text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            for name in tables:  # a test may have disabled a guard, as a rogue DBA would
                conn.execute(sa.text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))
            for name in REFERENCE_TABLES:
                table = db.metadata.tables[name]
                if reference[name]:
                    conn.execute(table.insert(), reference[name])
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )
                )
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def app(backend, request, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "registry.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        app = make_app(f"sqlite:///{path}", tmp_path)
        yield app
        with app.app_context():
            db.engine.dispose()
    else:
        url, reference = request.getfixturevalue("postgres_url")
        app = make_app(url, tmp_path)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
            _reset_postgres(app, reference)


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class SignedIn:
    id: int
    email: str
    role: str
    centre_id: int | None
    centre_code: str | None


def create_account(app, role, **kwargs):
    """Create a user (and a centre for centre staff) and return a plain snapshot of it."""
    from tests.factories import CentreFactory, UserFactory

    with app.app_context():
        if role == "centre_staff" and not ({"centre", "centre_id"} & kwargs.keys()):
            kwargs["centre"] = CentreFactory()
        user = UserFactory(role=role, **kwargs)
        db.session.commit()
        snapshot = SignedIn(
            user.id,
            user.email,
            user.role.value,
            user.centre_id,
            user.centre.code if user.centre else None,
        )
        db.session.remove()
    return snapshot


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(app, client):
    """login_as("officer") -> signs the test client in as a new user of that role."""

    def login(role, **kwargs):
        account = create_account(app, role, **kwargs)
        response = sign_in(client, account.email)
        assert response.status_code == 302, "sign-in failed"
        return account

    return login


@pytest.fixture
def ctx_en(ctx):
    """`ctx` with messages in English (the interface's default language is Vietnamese)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield ctx


@pytest.fixture
def english(client):
    """The test client's pages in English (call after login_as: signing in keeps it)."""
    client.get("/lang/en")
    return client


@pytest.fixture
def api_as(app):
    """api_as("officer") -> (account, headers): a new user of that role and its bearer token."""
    from registry.models import User
    from tests.factories import api_token_for

    def make(role, **kwargs):
        account = create_account(app, role, **kwargs)
        with app.app_context():
            token = api_token_for(db.session.get(User, account.id))
            db.session.commit()
            db.session.remove()
        return account, {"Authorization": f"Bearer {token}"}

    return make
