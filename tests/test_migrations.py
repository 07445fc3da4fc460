"""Alembic is the only way the schema is made: upgrade, downgrade and upgrade again give the
models exactly, on SQLite and on PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from registry.extensions import db
from tests.conftest import PG_MISSING, PG_URL, make_app


def _tables(engine):
    inspector = sa.inspect(engine)
    return {
        name: sorted(col["name"] for col in inspector.get_columns(name))
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }


def _round_trip(url, tmp_path):
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        first = _tables(db.engine)
        downgrade(revision="base")
        assert _tables(db.engine) == {}
        upgrade()
        assert _tables(db.engine) == first
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    return first, diff


@pytest.fixture
def pg_scratch_url():
    """A PostgreSQL database of its own, so the round trip does not disturb the suite's."""
    if not PG_URL:
        pytest.skip(PG_MISSING)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = "registry_migration_check"
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield str(sa.make_url(PG_URL).set(database=name))
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_sqlite_round_trip_matches_the_models(tmp_path):
    tables, diff = _round_trip(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path)
    assert diff == []
    assert set(tables) == {t.name for t in db.metadata.sorted_tables}


def test_postgresql_round_trip_gives_the_same_tables_as_sqlite(tmp_path, pg_scratch_url):
    sqlite_tables, _ = _round_trip(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path)
    pg_tables, diff = _round_trip(pg_scratch_url, tmp_path)
    assert diff == []
    assert pg_tables == sqlite_tables


def test_migration_seeds_the_catalogue_and_the_targets(ctx):
    from registry.centres.models import Topic
    from registry.targets.models import Target

    codes = set(db.session.scalars(sa.select(Topic.code)))
    assert {
        "pq_expert_basic",
        "pq_expert_advanced",
        "5s",
        "kaizen",
        "food_safety",
        "smart_manufacturing",
    } <= codes
    assert len(codes) == 22
    leading = set(db.session.scalars(sa.select(Topic.code).where(Topic.leads_to_trained)))
    assert leading == {"pq_expert_basic", "pq_expert_advanced"}
    targets = {t.key: t.target_number for t in db.session.scalars(sa.select(Target))}
    assert targets == {
        "certified_2021_2025": 600,
        "certified_2026_2030": 1000,
        "regional_international_2026_2030": 200,
    }


def _sessions_without_a_course_stop_the_upgrade(url, tmp_path):
    """Upgrading to 1301 never guesses a course nor deletes a session: it names the sessions
    without a course and stops; once they are attached, it goes through."""
    from tests.factories import CentreFactory, CourseFactory, ExamSessionFactory

    app = make_app(url, tmp_path)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision("20261129_1301").down_revision
        upgrade(revision=before)
        centre = CentreFactory(code="KHAC")
        orphan = ExamSessionFactory(centre=centre, course=None)
        db.session.commit()
        # `flask db upgrade` prints the message and exits 1 (Flask-Migrate); here, alembic's
        # own command shows the exception.
        with pytest.raises(RuntimeError, match="belong to no course") as refused:
            command.upgrade(config, "head")
        assert f"session {orphan.id} (centre KHAC" in str(refused.value)
        assert "docs/centres.md" in str(refused.value)
        with db.engine.connect() as conn:
            version = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert version == before
        orphan.course = CourseFactory(centre=centre)
        db.session.commit()
        upgrade()
        columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("exam_sessions")}
        assert columns["course_id"]["nullable"] is False
        db.session.remove()
        db.engine.dispose()


def test_sqlite_upgrade_refuses_sessions_without_a_course(tmp_path):
    _sessions_without_a_course_stop_the_upgrade(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path)


def test_postgresql_upgrade_refuses_sessions_without_a_course(tmp_path, pg_scratch_url):
    _sessions_without_a_course_stop_the_upgrade(pg_scratch_url, tmp_path)
