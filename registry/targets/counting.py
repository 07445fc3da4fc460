"""How the registry counts progress toward the programme's targets (SPEC §5).

- certified in a period: distinct experts whose first national certificate was issued
  in the period, excluding experts withdrawn on or before the as-of date;
- regional/international in a period: distinct experts whose first regional or
  international certificate was issued in the period, excluding withdrawn experts;
- trained in a period: distinct people who first reached `trained` in the period.

Days are Viet Nam calendar days. Everything is counted as of a date (default today) by
aggregate SQL over "facts": one row per expert and metric, dated on the day the expert
first counted for it. The dashboard needs two queries whatever the size of the registry:
the targets, and every figure at once (`_figures`); the public summary needs two as well
(`progress`).
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.certificates.models import Certificate
from registry.clock import add_years, local_day_start, today
from registry.enums import CertificateLevel, ExpertStatus, TargetMetric
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.targets.models import Target
from registry.targets.sqldates import local_date, month_key

METRIC_LEVELS = {
    TargetMetric.CERTIFIED: (CertificateLevel.NATIONAL,),
    TargetMetric.REGIONAL_INTERNATIONAL: (
        CertificateLevel.REGIONAL,
        CertificateLevel.INTERNATIONAL,
    ),
}
# The dimensions of `breakdowns`, in the order the dashboard shows them.
DIMENSIONS = ("year", "province", "sector", "centre", "organisation_type")


# -- The facts: who counts for which metric, from which day -------------------------------


def _metric_label(metric):
    return sa.literal_column(f"'{TargetMetric(metric).value}'", sa.String).label("metric")


def _first_certificates(metrics, as_of):
    """One pass over the certificates for every certificate metric asked for."""
    levels = [level for metric in metrics for level in METRIC_LEVELS[metric]]
    metric = sa.case(
        *(
            (Certificate.level.in_(METRIC_LEVELS[m]), sa.literal_column(f"'{m.value}'"))
            for m in metrics
        )
    )
    first_on = sa.func.min(Certificate.issued_on)
    withdrawn = sa.exists().where(
        StatusChange.expert_id == Certificate.expert_id,
        StatusChange.to_status == ExpertStatus.WITHDRAWN,
        StatusChange.created_at < local_day_start(as_of + timedelta(days=1)),
    )
    return (
        sa.select(
            Certificate.expert_id.label("expert_id"),
            metric.label("metric"),
            first_on.label("counted_on"),
        )
        .where(Certificate.level.in_(levels), ~withdrawn)
        .group_by(Certificate.expert_id, metric)
        .having(first_on <= as_of)
    )


def _first_trained(as_of):
    first_at = sa.func.min(StatusChange.created_at)
    return (
        sa.select(
            StatusChange.expert_id.label("expert_id"),
            _metric_label(TargetMetric.TRAINED),
            local_date(first_at).label("counted_on"),
        )
        .where(StatusChange.to_status == ExpertStatus.TRAINED)
        .group_by(StatusChange.expert_id)
        .having(first_at < local_day_start(as_of + timedelta(days=1)))
    )


def facts(metrics, as_of, *, cte=False):
    """(expert_id, metric, counted_on) for each expert counted by each of `metrics` by `as_of`."""
    metrics = sorted({TargetMetric(m) for m in metrics})
    parts = []
    if TargetMetric.TRAINED in metrics:
        parts.append(_first_trained(as_of))
    if certificate_metrics := [m for m in metrics if m in METRIC_LEVELS]:
        parts.append(_first_certificates(certificate_metrics, as_of))
    if not parts:
        return None
    query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    return query.cte("facts") if cte else query.subquery("facts")


def _with_dimensions(targets, as_of):
    """The facts with the expert's province, sector, organisation type and training centre,
    and for each target i two flags: t<i>, counted in its period; p<i>, counted by its
    metric in the last 12 months (the pace).

    Materialised once, then grouped by each dimension: the flags are computed once per row.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    base = facts([t.metric for t in targets], as_of, cte=postgresql)
    in_period = _target_conditions(base, targets)
    in_pace = _target_conditions(base, targets, since=add_years(as_of, -1))
    flags = [sa.case((c, 1), else_=0).label(f"t{i}") for i, c in enumerate(in_period)]
    flags += [sa.case((c, 1), else_=0).label(f"p{i}") for i, c in enumerate(in_pace)]
    if postgresql:
        first = _first_programme_enrolments(sa.select(base.c.expert_id))
        centre = first.c.centre_id
    else:
        centre = _first_programme_centre(base.c.expert_id)
    query = sa.select(
        base.c.expert_id,
        Expert.province,
        Expert.sector,
        sa.cast(Expert.organisation_type, sa.String).label("organisation_type"),
        centre.label("centre_id"),
        month_key(base.c.counted_on).label("month"),
        *flags,
    ).join_from(base, Expert, Expert.id == base.c.expert_id)
    if postgresql:
        query = query.outerjoin(
            first, sa.and_(first.c.expert_id == base.c.expert_id, first.c.rank == 1)
        )
    return query.cte("counted").prefix_with("MATERIALIZED")


# The centre of an expert is that of their first completed enrolment in the expert programme.
# Two ways to find it, the same answer: SQLite does a lookup by index per expert in a few
# microseconds; PostgreSQL pays for each correlated subplan (about 9 µs a row, 160 ms for
# 17,000 experts) and is far faster ranking the enrolments of the counted experts at once.


def _programme_enrolments():
    return (
        sa.select(Enrolment.expert_id, Course.centre_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Topic, Topic.id == Course.topic_id)
        # A join, not IN (subquery): SQLite would rebuild the IN list for every expert.
        .where(Enrolment.completed.is_(True), Topic.leads_to_trained.is_(True))
    )


def _first_programme_centre(expert_id):
    return (
        _programme_enrolments()
        .with_only_columns(Course.centre_id)
        .where(Enrolment.expert_id == expert_id)
        .order_by(Enrolment.completed_on, Enrolment.id)
        .limit(1)
        .scalar_subquery()
    )


def _first_programme_enrolments(expert_ids):
    rank = sa.func.row_number().over(
        partition_by=Enrolment.expert_id, order_by=(Enrolment.completed_on, Enrolment.id)
    )
    return (
        _programme_enrolments()
        .add_columns(rank.label("rank"))
        .where(Enrolment.expert_id.in_(expert_ids))
        .subquery("first_enrolments")
    )


def _target_conditions(rows, targets, *, since=None):
    """Per target: counted in its period or, with `since`, by its metric after that day."""
    conditions = []
    for target in targets:
        if since is None:
            window = (
                rows.c.counted_on >= target.period_start,
                rows.c.counted_on <= target.period_end,
            )
        else:
            window = (rows.c.counted_on > since,)
        conditions.append(sa.and_(rows.c.metric == target.metric.value, *window))
    return conditions


def _target_counts(rows, targets, *, since=None):
    """One count per target: experts counted in its period, or (`since`) after that day."""
    return [
        sa.func.count(sa.case((condition, 1))).label(f"t{i}")
        for i, condition in enumerate(_target_conditions(rows, targets, since=since))
    ]


# -- Progress toward each target -----------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """When a target is reached at the pace of the last 12 months."""

    state: str  # "reached", "on_pace" (with `on`), "not_at_pace", "period_over"
    on: date | None = None


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    achieved: int
    last_12_months: int
    percent: float
    projection: Projection


def project(target, achieved, last_12_months, as_of):
    """The day `target` is reached if the last 12 months' pace goes on; see `Projection`."""
    if achieved >= target.target_number:
        return Projection("reached")
    if as_of >= target.period_end:
        return Projection("period_over")
    if last_12_months == 0:
        return Projection("not_at_pace")
    per_day = last_12_months / (as_of - add_years(as_of, -1)).days
    start = max(as_of, target.period_start - timedelta(days=1))
    reached_on = start + timedelta(days=math.ceil((target.target_number - achieved) / per_day))
    if reached_on > target.period_end:
        return Projection("not_at_pace")
    return Projection("on_pace", reached_on)


def load_targets():
    return db.session.scalars(sa.select(Target).order_by(Target.period_start, Target.id)).all()


def progress(as_of=None, targets=None):
    """Each target with its count as of `as_of`, the percentage reached and the projection.

    One query for all targets (plus one to load them when `targets` is not given).
    """
    as_of = as_of or today()
    targets = load_targets() if targets is None else targets
    rows = facts([t.metric for t in targets], as_of)
    if rows is None:
        return []
    query = sa.select(
        *_target_counts(rows, targets), *_target_counts(rows, targets, since=add_years(as_of, -1))
    ).select_from(rows)
    counts = db.session.execute(query).one()
    return _progress(targets, counts[: len(targets)], counts[len(targets) :], as_of)


def _progress(targets, achieved, last_12_months, as_of):
    return [
        TargetProgress(
            target=target,
            achieved=count,
            last_12_months=pace,
            percent=round(100 * count / target.target_number, 1),
            projection=project(target, count, pace, as_of),
        )
        for target, count, pace in zip(targets, achieved, last_12_months, strict=True)
    ]


def count_metric(metric, start, end, as_of=None):
    """Number of distinct experts counted by `metric` in [start, end], as of `as_of`."""
    as_of = as_of or today()
    rows = facts([metric], as_of)
    query = sa.select(sa.func.count()).where(rows.c.counted_on >= start, rows.c.counted_on <= end)
    return db.session.scalar(query.select_from(rows))


# -- Breakdowns and the series over time ---------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    key: str | None  # None: not recorded (e.g. no completed programme enrolment)
    label: str | None
    counts: tuple[int, ...]  # one per target, in the order of the targets


def breakdowns(targets, as_of=None):
    """Counts per target by year, province, sector, centre, organisation type and month.

    Returns {dimension: [BreakdownRow]}; "month" keys are "YYYYMM". See `_figures`.
    """
    return _figures(targets, as_of or today())[0]


def _figures(targets, as_of):
    """The breakdowns, each target's total and its count in the last 12 months: one query.

    The facts are materialised once, then grouped by each dimension under UNION ALL.
    """
    tables = {name: [] for name in (*DIMENSIONS, "month")}
    if not targets:
        return tables, (), ()
    counted = _with_dimensions(targets, as_of)

    def sums(prefix):
        return [
            sa.func.coalesce(sa.func.sum(counted.c[f"{prefix}{i}"]), 0).label(f"c{i}")
            for i in range(len(targets))
        ]

    counts = sums("t")
    no_label = sa.cast(sa.null(), sa.String)

    def grouped(name, key, label=no_label, outer=None, columns=counts):
        query = sa.select(
            sa.literal_column(f"'{name}'", sa.String).label("dimension"),
            key.label("key"),
            label.label("label"),
            *columns,
        ).select_from(counted)
        if outer is not None:
            query = query.outerjoin(*outer)
        if key is no_label:
            return query
        return query.group_by(key) if label is no_label else query.group_by(key, label)

    centre = TrainingCentre.__table__
    query = sa.union_all(
        grouped("pace", no_label, columns=sums("p")),
        grouped("month", counted.c.month),
        grouped("province", counted.c.province),
        grouped("sector", counted.c.sector),
        grouped("organisation_type", counted.c.organisation_type),
        grouped(
            "centre",
            centre.c.code,
            centre.c.name,
            outer=(centre, centre.c.id == counted.c.centre_id),
        ),
    )
    pace = (0,) * len(targets)
    for row in db.session.execute(query):
        values = tuple(row[3:])
        if row.dimension == "pace":
            pace = values
        elif any(values):
            tables[row.dimension].append(BreakdownRow(row.key, row.label, values))
    # Every counted expert falls in one month: years and totals are sums of months.
    years = {}
    for row in tables["month"]:
        years.setdefault(row.key[:4], []).append(row.counts)
    tables["year"] = [BreakdownRow(year, None, _add(counts)) for year, counts in years.items()]
    totals = _add([row.counts for row in tables["year"]]) or (0,) * len(targets)
    for name, rows in tables.items():
        if name in ("year", "month"):
            rows.sort(key=lambda r: int(r.key))
        else:
            rows.sort(key=lambda r: (r.key is None, -sum(r.counts), r.key or ""))
    return tables, totals, pace


def _add(rows):
    return tuple(map(sum, zip(*rows, strict=True)))


def cumulative_series(target, index, month_rows, as_of):
    """[(day, count)] for target number `index`: 0 at the period start, then each month end."""
    by_month = {int(row.key): row.counts[index] for row in month_rows}
    last = min(as_of, target.period_end)
    points = [(target.period_start, 0)]
    total = 0
    month_start = target.period_start.replace(day=1)
    while month_start <= last:
        total += by_month.get(month_start.year * 100 + month_start.month, 0)
        following = (month_start + timedelta(days=31)).replace(day=1)
        points.append((min(following - timedelta(days=1), last), total))
        month_start = following
    return points


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    targets: list
    progress: list  # [TargetProgress], one per target
    tables: dict  # {dimension: [BreakdownRow]}, see `breakdowns`
    series: list  # [[(day, cumulative count)]], one per target


def dashboard(as_of=None):
    """Everything the dashboard and its exports show, in two queries (targets, figures)."""
    as_of = as_of or today()
    targets = load_targets()
    tables, achieved, last_12_months = _figures(targets, as_of)
    return Dashboard(
        as_of=as_of,
        targets=targets,
        progress=_progress(targets, achieved, last_12_months, as_of),
        tables=tables,
        series=[cumulative_series(t, i, tables["month"], as_of) for i, t in enumerate(targets)],
    )
