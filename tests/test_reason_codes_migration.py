"""The data migration of public reasons: records suspended or withdrawn before the codes
existed get one, and keep the officer's note out of what verification shows."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from registry.certificates.verification import check_certificate
from registry.certificates.wording import REASONS
from registry.enums import ExpertStatus
from registry.extensions import db
from tests.conftest import PG_MISSING, PG_URL, make_app
from tests.factories import Walk

BEFORE_CODES = "20261129_0301"


@pytest.fixture
def pg_own_scratch_url():
    """A scratch database named after the test database, so parallel runs do not meet."""
    if not PG_URL:
        pytest.skip(PG_MISSING)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"{sa.make_url(PG_URL).database}_reason_codes"
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield str(sa.make_url(PG_URL).set(database=name))
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _records_before_codes_get_one(url, tmp_path):
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        walk = Walk()
        suspended = walk.to(ExpertStatus.SUSPENDED)
        withdrawn = walk.to(ExpertStatus.WITHDRAWN)
        valid = walk.to(ExpertStatus.CERTIFIED)
        certificates = {
            "suspended": suspended.certificates[0],
            "withdrawn": withdrawn.certificates[0],
            "valid": valid.certificates[0],
        }
        refs = {k: (c.id, c.number, c.verification_code) for k, c in certificates.items()}
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE_CODES)  # the codes go: as the records were before them
        upgrade()
        rows = dict(
            db.session.execute(
                sa.text("SELECT id, reason_code FROM certificates WHERE id IN (:a, :b, :c)"),
                {"a": refs["suspended"][0], "b": refs["withdrawn"][0], "c": refs["valid"][0]},
            ).all()
        )
        assert rows[refs["suspended"][0]] == "requirements_no_longer_met"
        assert rows[refs["withdrawn"][0]] == "requirements_no_longer_met"
        assert rows[refs["valid"][0]] is None
        seen = check_certificate(*refs["suspended"][1:])
        assert seen.reason == REASONS["requirements_no_longer_met"]
        assert "Khiếu nại" not in repr(seen.certificate)  # the note is not even read
        db.session.remove()
        db.engine.dispose()


def test_sqlite_records_suspended_before_codes_get_one(tmp_path):
    _records_before_codes_get_one(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path)


def test_postgresql_records_suspended_before_codes_get_one(tmp_path, pg_own_scratch_url):
    _records_before_codes_get_one(pg_own_scratch_url, tmp_path)
