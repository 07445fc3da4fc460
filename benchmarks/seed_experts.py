"""Bulk-load N realistic experts (Vietnamese names, every state) into a migrated registry.

Rows go in with executemany in chunks (SQLAlchemy batches them): fast enough for 100,000 experts in a few
seconds, and the same on SQLite and PostgreSQL. Used by bench_load.py; importable alone.
"""

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from registry.demo import (
    DEGREES,
    EXTRA_PROVINCES,
    FAMILY,
    GIVEN_F,
    GIVEN_M,
    MIDDLE_F,
    MIDDLE_M,
    ORGANISATIONS,
)
from registry.text import search_key

PROVINCES = ["Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", *EXTRA_PROVINCES]
# (status, share of experts, level held while paused)
STATES = [
    ("applied", 20, None),
    ("rejected", 5, None),
    ("trained", 15, None),
    ("certified", 40, None),
    ("accredited_regional", 8, None),
    ("accredited_international", 2, None),
    ("suspended", 4, "certified"),
    ("withdrawn", 3, None),
    ("expired", 3, "certified"),
]
CONSENT_SHARE = 0.7
NAMES = [
    f"{family} {middle} {given}"
    for family in FAMILY
    for middle, given in [(m, g) for m in MIDDLE_F for g in GIVEN_F]
    + [(m, g) for m in MIDDLE_M for g in GIVEN_M]
]


def expert_rows(count, sectors, seed=1322):
    """`count` expert rows; (name, date of birth) pairs and emails are unique."""
    rng = random.Random(seed)
    statuses = [state for state in STATES for _ in range(state[1])]
    now = datetime.now(UTC).replace(tzinfo=None)
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        # Each name appears once per birth date: i // len(NAMES) steps through the dates.
        born = date(1965, 1, 1) + timedelta(days=(i // len(NAMES)) * 331 % 14_600)
        status, _share, held = statuses[rng.randrange(len(statuses))]
        province = rng.choice(PROVINCES)
        organisation, organisation_type = rng.choice(ORGANISATIONS)
        yield {
            "full_name": name,
            "name_key": search_key(name),
            "date_of_birth": born,
            "email": f"chuyengia{i}@example.vn",
            "organisation": organisation.format(province=province),
            "organisation_type": organisation_type.value,
            "province": province,
            "sector": rng.choice(sectors),
            "highest_degree": rng.choice(DEGREES),
            "years_experience": rng.randrange(1, 35),
            "consent_scheme_rules": True,
            "consent_public_listing": rng.random() < CONSENT_SHARE,
            "status": status,
            "held_level": held,
            "status_changed_at": now,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }


def seed_experts(engine, count, chunk=2_000):
    """Insert `count` experts through `engine` (a migrated registry); returns `count`."""
    table = sa.Table("experts", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:  # the sectors the migration starts the list with
        sectors = conn.scalars(sa.text("SELECT name FROM sectors WHERE NOT retired")).all()
    rows = expert_rows(count, sorted(sectors))
    with engine.begin() as conn:
        while batch := [row for _, row in zip(range(chunk), rows, strict=False)]:
            conn.execute(table.insert(), batch)
    # What autovacuum and a nightly `PRAGMA optimize` leave behind on a registry in use:
    # statistics, and on PostgreSQL a visibility map for index-only scans.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("VACUUM ANALYZE experts, expert_name_tails"))
        else:
            conn.execute(sa.text("ANALYZE"))
    return count
