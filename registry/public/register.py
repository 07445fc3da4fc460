"""The public register (SPEC §7): certified experts who agreed to be listed, searchable by anyone.

Shows name, organisation, province, sector and level only: never an email or a birth date.
"""

import re
from functools import cache

import sqlalchemy as sa
from flask import render_template, request
from flask_sqlalchemy.pagination import Pagination

from registry.enums import CertificateLevel, ExpertStatus
from registry.experts.models import PUBLIC_REGISTER_WHERE, Expert
from registry.extensions import db
from registry.public.routes import bp
from registry.text import clean_text, search_key, vietnamese_order

PAGE_SIZE = 20
MAX_PAGE = 10_000
LEVEL_STATUS = {
    CertificateLevel.NATIONAL: ExpertStatus.CERTIFIED,
    CertificateLevel.REGIONAL: ExpertStatus.ACCREDITED_REGIONAL,
    CertificateLevel.INTERNATIONAL: ExpertStatus.ACCREDITED_INTERNATIONAL,
}
STATUS_LEVEL = {status: level for level, status in LEVEL_STATUS.items()}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The partial index's own predicate, word for word: both databases then know they may use it.
LISTED = sa.text(PUBLIC_REGISTER_WHERE)


def _arg(name, max_length=100):
    """A search field as typed, without control characters, or None."""
    value = clean_text(_CONTROL.sub(" ", request.args.get(name, ""))[:max_length])
    return value or None


def _unindexed(column):
    """`column` in a form its own index cannot serve (`column || ''`).

    The register's covering index already holds the column; without this, SQLite lacking
    statistics takes the column's own index, reads the table and sorts: ten times slower
    on 100,000 experts.
    """
    return sa.type_coerce(column, sa.String).concat("")


def _contains(column, text):
    """`text` occurs in `column`: a plain substring test, twice as fast as LIKE '%text%'
    (no pattern to parse, nothing to escape)."""
    position = (
        sa.func.strpos if db.session.get_bind().dialect.name == "postgresql" else sa.func.instr
    )
    return position(column, text) > 0


class RegisterPage(Pagination):
    """One page of the register, read in two steps that both stay inside the index.

    First the page's ids (and, when needed, their count) from ix_experts_public_register
    alone, an index-only scan; then those few experts. Reading whole rows while filtering
    would fetch every listed expert from the table on PostgreSQL.
    """

    def _query_items(self):
        ids_query = self._query_args["ids"]
        offset = (self.page - 1) * self.per_page
        ids = db.session.scalars(ids_query.limit(self.per_page).offset(offset)).all()
        if not ids:
            return []
        rows = db.session.scalars(sa.select(Expert).where(Expert.id.in_(ids)))
        by_id = {expert.id: expert for expert in rows}
        return [by_id[i] for i in ids]

    def _query_count(self):
        if self.page == 1 and len(self.items) < self.per_page:
            return len(self.items)  # all there is: no second scan to count
        # Counted with its ORDER BY kept: that steers SQLite to the covering index too.
        ids_query = self._query_args["ids"]
        return db.session.scalar(sa.select(sa.func.count()).select_from(ids_query.subquery()))


def search_register(*, q=None, province=None, sector=None, level=None, page=1):
    """One page of listed experts, by accent-insensitive name, province, sector and level."""
    ids = sa.select(Expert.id).where(LISTED)
    if q:
        ids = ids.where(_contains(Expert.name_key, search_key(q)))
    if province:
        ids = ids.where(_unindexed(Expert.province) == province)
    if sector:
        ids = ids.where(_unindexed(Expert.sector) == sector)
    if level:
        ids = ids.where(_unindexed(Expert.status) == LEVEL_STATUS[level].value)
    ids = ids.order_by(Expert.name_key, Expert.id)
    return RegisterPage(ids=ids, page=page, per_page=PAGE_SIZE, error_out=False)


@cache
def _distinct_listed(column):
    first = sa.select(sa.func.min(column)).where(LISTED).scalar_subquery()
    found = sa.select(first.label("value")).cte("listed_values", recursive=True)
    following = sa.select(sa.func.min(column)).where(LISTED, column > found.c.value)
    found = found.union_all(
        sa.select(following.scalar_subquery()).where(found.c.value.is_not(None))
    )
    return sa.select(found.c.value).where(found.c.value.is_not(None))


def listed_values(column):
    """The distinct values of `column` among listed experts, in order, for the filters.

    A "loose index scan": one seek in the column's own index per distinct value, instead
    of reading every listed expert; the same plan on both databases, statistics or not.
    """
    values = db.session.scalars(_distinct_listed(column))
    return sorted(values, key=vietnamese_order)


@bp.get("/register")
def register():
    level = request.args.get("level")
    filters = {
        "q": _arg("q"),
        "province": _arg("province"),
        "sector": _arg("sector"),
        "level": CertificateLevel(level) if level in set(CertificateLevel) else None,
    }
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    pagination = search_register(**filters, page=page)
    return render_template(
        "public/register.html",
        pagination=pagination,
        filters=filters,
        provinces=listed_values(Expert.province),
        sectors=listed_values(Expert.sector),
        levels=list(CertificateLevel),
        status_level=STATUS_LEVEL,
    )
