"""The public register (SPEC §7): certified experts who agreed to be listed, searchable by anyone.

Shows name, organisation, province, sector and level only: never an email or a birth date.
"""

import re
from functools import cache

import sqlalchemy as sa
from flask import render_template, request
from flask_sqlalchemy.pagination import Pagination

from registry.enums import CertificateLevel
from registry.experts.guards import LEVEL_CERTIFICATE
from registry.experts.models import PUBLIC_REGISTER_WHERE, Expert, ExpertNameTail
from registry.extensions import db
from registry.public.routes import bp
from registry.text import clean_text, search_key, vietnamese_order

PAGE_SIZE = 20
MAX_PAGE = 10_000
LEVEL_STATUS = {level: status for status, level in LEVEL_CERTIFICATE.items()}
# What the page shows of an expert, and all it reads.
SHOWN = (
    Expert.id,
    Expert.full_name,
    Expert.organisation,
    Expert.province,
    Expert.sector,
    Expert.status,
)
# A search matching at most this many experts' names (listed or not) reads them by id;
# beyond, the ordered scan of the listed experts finds a page within a few thousand rows.
FEW_NAMED = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The partial index's own predicate, word for word: both databases then know they may use it.
LISTED = sa.text(PUBLIC_REGISTER_WHERE)
# The same test in a form that index cannot serve, for the experts of a rare name, read by
# id. PostgreSQL, having no statistics on `status || ''`, believes the partial index small
# and would read all of it, 35,000 entries, to find 300 ids.
LISTED_BY_ID = sa.text(f"({PUBLIC_REGISTER_WHERE}) IS TRUE")


def _arg(name):
    """A search field as typed (100 characters at most), without control characters, or None."""
    value = clean_text(_CONTROL.sub(" ", request.args.get(name, ""))[:100])
    return value or None


def _unindexed(column):
    """`column` in a form its own index cannot serve (`column || ''`).

    The register's covering index already holds the column; without this, SQLite lacking
    statistics takes the column's own index, reads the table and sorts: ten times slower
    on 100,000 experts.
    """
    return sa.type_coerce(column, sa.String).concat("")


def _starts_a_word(column, key):
    """`key` occurs in `column` where one of its words begins ("van h" in "nguyen van hung",
    not "guyen"): found in the name with a space before it. The plain substring test goes
    first: it turns most names away without building a string."""
    position = (
        sa.func.strpos if db.session.get_bind().dialect.name == "postgresql" else sa.func.instr
    )
    return sa.and_(
        position(column, key) > 0,
        position(sa.literal(" ").concat(column), " " + key) > 0,
    )


def _few_named(key):
    """The ids of the experts, listed or not, in whose names `key` starts a word, when they
    are no more than FEW_NAMED; else None.

    One range of expert_name_tails's primary key: the tails that start with `key`.
    """
    found = db.session.scalars(
        sa.select(ExpertNameTail.expert_id)
        .where(ExpertNameTail.tail >= key, ExpertNameTail.tail < key + "\U0010ffff")
        .limit(FEW_NAMED + 1)
    ).all()
    return found if len(found) <= FEW_NAMED else None


class RegisterPage(Pagination):
    """One page of the register, read in two steps.

    First the page's ids (and, when needed, their count): from the ids of every match when
    the search gave them (`matching`, a rare name), else from ix_experts_public_register
    alone, an index-only scan in name order that stops once it has the page. Then those
    few experts' shown columns: reading whole rows while filtering would fetch every listed
    expert from the table on PostgreSQL.
    """

    def _query_items(self):
        offset = (self.page - 1) * self.per_page
        matching = self._query_args["matching"]
        if matching is None:
            ids_query = self._query_args["ids"].limit(self.per_page).offset(offset)
            ids = db.session.scalars(ids_query).all()
        else:
            ids = matching[offset : offset + self.per_page]
        if not ids:
            return []
        rows = db.session.execute(sa.select(*SHOWN).where(Expert.id.in_(ids)))
        by_id = {row.id: row for row in rows}
        return [by_id[i] for i in ids]

    def _query_count(self):
        if self._query_args["matching"] is not None:
            return len(self._query_args["matching"])
        if self.page == 1 and len(self.items) < self.per_page:
            return len(self.items)  # all there is: no second scan to count
        # Counted with its ORDER BY kept: that steers SQLite to the covering index too.
        ids_query = self._query_args["ids"]
        return db.session.scalar(sa.select(sa.func.count()).select_from(ids_query.subquery()))


def _listed(listed, province, sector, level):
    """The ids of the listed experts (`listed`: how to say it) the filters keep, in name
    order."""
    ids = sa.select(Expert.id).where(listed)
    if province:
        ids = ids.where(_unindexed(Expert.province) == province)
    if sector:
        ids = ids.where(_unindexed(Expert.sector) == sector)
    if level:
        ids = ids.where(_unindexed(Expert.status) == LEVEL_STATUS[level].value)
    return ids.order_by(Expert.name_key, Expert.id)


def search_register(*, q=None, province=None, sector=None, level=None, page=1):
    """One page of listed experts, by name (accents and case aside, from the start of any
    of its words), province, sector and level, in name order."""
    key = search_key(q)
    found = _few_named(key) if key else None
    if found is not None:  # a rare name: all its listed experts, by id, counted as read
        # The ids written into the statement: hundreds of bound parameters cost more.
        found = sa.bindparam("found", found, expanding=True, literal_execute=True)
        ids = _listed(LISTED_BY_ID, province, sector, level).where(Expert.id.in_(found))
        matching = db.session.scalars(ids).all()
        return RegisterPage(matching=matching, page=page, per_page=PAGE_SIZE, error_out=False)
    ids = _listed(LISTED, province, sector, level)
    if key:  # a common name: the scan in name order soon fills a page
        ids = ids.where(_starts_a_word(Expert.name_key, key))
    return RegisterPage(ids=ids, matching=None, page=page, per_page=PAGE_SIZE, error_out=False)


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
        status_level=LEVEL_CERTIFICATE,
    )
