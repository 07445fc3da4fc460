"""Sectors as a list the admin keeps; provinces and sectors as stored mapped onto it.

Provinces (experts and training centres): a value naming one of the 34 provincial-level
units in force since 1 July 2025, or an earlier province one of them absorbed (accents,
case, "Tỉnh"/"TP." aside), becomes the unit's name. Any other value is kept as it was;
the admin's "values to fix" page lists it.

Sectors: the `sectors` table starts with a short starter list. The experts' sector values
are grouped by their accent- and case-folded form; a group whose form is a starter
sector's takes that sector's name, any other group becomes a new sector named by its most
frequent spelling. A value with no letter or digit ("-", "?") cannot name a sector: it is
kept as it was, as a retired sector, and the "values to fix" page lists its experts.

The mapping reads registry.provinces and registry.text (data and pure functions, no
models): the list of provinces changes only by law.

Revision ID: 20261129_1401
Revises: 20261129_1301
Create Date: 2026-11-29 09:10:00
"""

from collections import Counter, defaultdict

import sqlalchemy as sa
from alembic import op

from registry.provinces import canonical_province
from registry.text import search_key, vietnamese_order

revision = "20261129_1401"
down_revision = "20261129_1301"
branch_labels = None
depends_on = None

STARTER_SECTORS = (
    "Cơ khí chế tạo",
    "Chế biến thực phẩm",
    "Dệt may",
    "Điện tử",
    "Nông nghiệp",
    "Xây dựng",
    "Logistics",
    "Y tế",
    "Hành chính công",
    "Năng lượng",
)


def upgrade():
    sectors = op.create_table(
        "sectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sectors")),
        sa.UniqueConstraint("name", name=op.f("uq_sectors_name")),
        sa.UniqueConstraint("name_key", name=op.f("uq_sectors_name_key")),
    )
    conn = op.get_bind()
    _map_sectors(conn, sectors)
    for table in ("experts", "training_centres"):
        _map_provinces(conn, table)


def downgrade():
    # The mapped values stay mapped: they are the same places, spelt one way.
    op.drop_table("sectors")


def _map_provinces(conn, name):
    table = sa.table(name, sa.column("province"))
    for value in conn.scalars(sa.select(table.c.province).distinct()).all():
        unit = canonical_province(value)
        if unit is not None and unit != value:
            conn.execute(table.update().where(table.c.province == value).values(province=unit))


def _map_sectors(conn, sectors):
    counts = conn.execute(sa.text("SELECT sector, count(*) FROM experts GROUP BY sector"))
    spellings = defaultdict(Counter)
    for value, count in counts:
        spellings[search_key(value)][value] += count
    starter = {search_key(name): name for name in STARTER_SECTORS}
    names = dict(starter)
    retired = set()
    for key, counter in spellings.items():
        if key not in names:
            most = max(counter.values())
            names[key] = min((v for v, n in counter.items() if n == most), key=vietnamese_order)
            if not any(ch.isalnum() for ch in key):
                retired.add(key)
    new = sorted((k for k in names if k not in starter), key=lambda k: vietnamese_order(names[k]))
    rows = [
        {"name": name, "name_key": search_key(name), "sort_order": i, "retired": False}
        for i, name in enumerate(STARTER_SECTORS, start=1)
    ] + [
        {"name": names[k], "name_key": k, "sort_order": i, "retired": k in retired}
        for i, k in enumerate(new, start=len(STARTER_SECTORS) + 1)
    ]
    op.bulk_insert(sectors, rows)
    for key, counter in spellings.items():
        for value in counter:
            if value != names[key]:
                conn.execute(
                    sa.text("UPDATE experts SET sector = :name WHERE sector = :value"),
                    {"name": names[key], "value": value},
                )
