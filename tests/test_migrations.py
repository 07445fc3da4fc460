"""Alembic is the only way the schema is made: upgrade, downgrade and upgrade again give the
models exactly, on SQLite and on PostgreSQL."""

import os
from datetime import date

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
    # Named after the suite's own database (one per xdist worker), so that two runs on
    # different databases never share it.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{sa.make_url(PG_URL).database}_{worker}_migrations"
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


def _row(table, **values):
    """INSERT one row of `table` with these columns only; its id."""
    table = db.metadata.tables[table]
    return db.session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_register_finds_the_experts_from_before_its_name_index(backend, tmp_path, request):
    """Migration 20261129_1801 indexes the names already there, and its triggers the later
    ones; downgraded, the table and its triggers go and experts are still written."""
    from registry.enums import ExpertStatus
    from registry.public.register import search_register
    from tests.factories import ExpertFactory

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_scratch_url")
    app = make_app(url, tmp_path)
    before = "20261129_1801-1"
    with app.app_context():
        upgrade()
        downgrade(revision=before)
        assert "expert_name_tails" not in sa.inspect(db.engine).get_table_names()
        _row(
            "experts",
            full_name="Nguyễn Văn Hùng",
            name_key="nguyen van hung",
            date_of_birth=date(1980, 1, 1),
            email="hung@example.vn",
            organisation="Viện Năng suất Việt Nam",
            organisation_type="agency",
            province="Hà Nội",
            sector="Cơ khí",
            highest_degree="Kỹ sư",
            years_experience=8,
            consent_scheme_rules=True,
            consent_public_listing=True,
            status="certified",
        )
        db.session.commit()
        db.session.remove()
        upgrade()
        ExpertFactory(full_name="Trần Thị Hùng", status=ExpertStatus.CERTIFIED)
        db.session.commit()
        page = search_register(q="hung")
        assert [expert.full_name for expert in page.items] == ["Nguyễn Văn Hùng", "Trần Thị Hùng"]
        assert search_register(q="van hung").total == 1
        db.session.remove()
        db.engine.dispose()


def _sessions_without_a_course_stop_the_upgrade(url, tmp_path):
    """Upgrading to 1301 never guesses a course nor deletes a session: it names the sessions
    without a course and stops; once they are attached, it goes through."""
    app = make_app(url, tmp_path)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision("20261129_1301").down_revision
        upgrade(revision=before)
        # Rows written as the schema stood then: Core inserts of the columns it had (the
        # models and factories follow the latest schema).
        centre = _row("training_centres", code="KHAC", name="Trung tâm khác", province="Huế")
        examiner = _row(
            "users",
            email="gv@khac.vn",
            full_name="Giám khảo",
            role="centre_staff",
            centre_id=centre,
        )
        orphan = _row(
            "exam_sessions",
            centre_id=centre,
            examiner_id=examiner,
            held_on=date(2026, 4, 20),
            pass_mark=70,
            max_score=100,
        )
        db.session.commit()
        # `flask db upgrade` prints the message and exits 1 (Flask-Migrate); here, alembic's
        # own command shows the exception.
        with pytest.raises(RuntimeError, match="belong to no course") as refused:
            command.upgrade(config, "head")
        assert f"session {orphan} (centre KHAC" in str(refused.value)
        assert "docs/centres.md" in str(refused.value)
        with db.engine.connect() as conn:
            version = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert version == before
        topic = _row("topics", code="KHAC", name_vi="Chủ đề", name_en="Topic")
        course = _row(
            "courses",
            centre_id=centre,
            topic_id=topic,
            code="KHAC-1",
            title="Khóa học",
            level="basic",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 4, 1),
            hours=120,
            capacity=30,
        )
        db.session.execute(sa.update(db.metadata.tables["exam_sessions"]).values(course_id=course))
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
