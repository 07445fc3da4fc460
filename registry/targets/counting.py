"""How the registry counts progress toward the programme's targets (SPEC §5).

- certified in a period: distinct experts whose first national certificate was issued
  in the period, excluding experts withdrawn on or before the as-of date;
- regional/international in a period: distinct experts whose first regional or
  international certificate was issued in the period, excluding withdrawn experts;
- trained in a period: distinct people who first reached `trained` in the period.

Days are Viet Nam calendar days. Everything is counted as of a date (default today) by
aggregate SQL over "facts": one row per expert and metric, dated on the day the expert
first counted for it. The dashboard needs three queries whatever the size of the registry:
the targets, their totals (`progress`), and every breakdown at once (`breakdowns`).
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.certificates.models import Certificate
from registry.enums import CertificateLevel, ExpertStatus, TargetMetric
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.targets.models import Target

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
METRIC_LEVELS = {
    TargetMetric.CERTIFIED: (CertificateLevel.NATIONAL,),
    TargetMetric.REGIONAL_INTERNATIONAL: (
        CertificateLevel.REGIONAL,
        CertificateLevel.INTERNATIONAL,
    ),
}
# The dimensions of `breakdowns`, in the order the dashboard shows them.
DIMENSIONS = ("year", "province", "sector", "centre", "organisation_type")


def local_day_start(day):
    """The instant at which `day` begins in Viet Nam."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def today():
    return datetime.now(LOCAL_TZ).date()


def years_before(day, years=1):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class local_date(FunctionElement):
    """The Viet Nam calendar day of a UTC timestamp, computed by the database."""

    type = sa.Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date)
def _local_date_postgresql(element, compiler, **kw):
    return f"CAST(timezone('Asia/Ho_Chi_Minh', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    # SQLite keeps naive UTC text. The fraction is cut because SQLite rounds it to the
    # millisecond (23:59:59.9999 would become the next day); Viet Nam is UTC+7 without
    # daylight saving since 1975.
    return f"date(substr({compiler.process(element.clauses, **kw)}, 1, 19), '+7 hours')"


# -- The facts: who counts for which metric, from which day -------------------------------


def _metric_label(metric):
    return sa.literal_column(f"'{TargetMetric(metric).value}'", sa.String).label("metric")


def _first_certificates(metric, as_of):
    first_on = sa.func.min(Certificate.issued_on)
    withdrawn = sa.exists().where(
        StatusChange.expert_id == Certificate.expert_id,
        StatusChange.to_status == ExpertStatus.WITHDRAWN,
        StatusChange.created_at < local_day_start(as_of + timedelta(days=1)),
    )
    return (
        sa.select(
            Certificate.expert_id.label("expert_id"),
            _metric_label(metric),
            first_on.label("counted_on"),
        )
        .where(Certificate.level.in_(METRIC_LEVELS[metric]), ~withdrawn)
        .group_by(Certificate.expert_id)
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


def facts(metrics, as_of):
    """(expert_id, metric, counted_on) for each expert counted by each of `metrics` by `as_of`."""
    parts = [
        _first_trained(as_of)
        if metric == TargetMetric.TRAINED
        else _first_certificates(metric, as_of)
        for metric in sorted(set(metrics))
    ]
    if not parts:
        return None
    return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("facts")


def _with_dimensions(metrics, as_of):
    """The facts with the expert's province, sector, organisation type and training centre.

    The centre is that of the expert's first completed enrolment in the expert programme.
    Materialised once, then grouped by each dimension in turn.
    """
    base = facts(metrics, as_of)
    centre = (
        sa.select(Course.centre_id)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .join(Topic, Topic.id == Course.topic_id)
        .where(
            Enrolment.expert_id == base.c.expert_id,
            Enrolment.completed.is_(True),
            Topic.leads_to_trained.is_(True),
        )
        .order_by(Enrolment.completed_on, Enrolment.id)
        .limit(1)
        .correlate(base)
        .scalar_subquery()
    )
    return (
        sa.select(
            base.c.expert_id,
            base.c.metric,
            base.c.counted_on,
            Expert.province,
            Expert.sector,
            sa.cast(Expert.organisation_type, sa.String).label("organisation_type"),
            centre.label("centre_id"),
        )
        .join_from(base, Expert, Expert.id == base.c.expert_id)
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )


def _in_target(rows, target):
    return sa.and_(
        rows.c.metric == target.metric.value,
        rows.c.counted_on >= target.period_start,
        rows.c.counted_on <= target.period_end,
    )


def _count_where(condition, name):
    return sa.func.count(sa.case((condition, 1))).label(name)


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
    per_day = last_12_months / (as_of - years_before(as_of)).days
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
    pace_from = years_before(as_of)
    columns = []
    for i, target in enumerate(targets):
        columns.append(_count_where(_in_target(rows, target), f"achieved_{i}"))
        recent = sa.and_(rows.c.metric == target.metric.value, rows.c.counted_on > pace_from)
        columns.append(_count_where(recent, f"pace_{i}"))
    counts = db.session.execute(sa.select(*columns).select_from(rows)).one()
    result = []
    for i, target in enumerate(targets):
        achieved, pace = counts[2 * i], counts[2 * i + 1]
        result.append(
            TargetProgress(
                target=target,
                achieved=achieved,
                last_12_months=pace,
                percent=round(100 * achieved / target.target_number, 1),
                projection=project(target, achieved, pace, as_of),
            )
        )
    return result


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

    One query: the facts are materialised once and grouped by each dimension (UNION ALL).
    Returns {dimension: [BreakdownRow]}; "month" keys are "YYYYMM".
    """
    as_of = as_of or today()
    result = {name: [] for name in (*DIMENSIONS, "month")}
    if not targets:
        return result
    counted = _with_dimensions([t.metric for t in targets], as_of)
    counts = [_count_where(_in_target(counted, t), f"t{i}") for i, t in enumerate(targets)]
    year = sa.extract("year", counted.c.counted_on)
    month = year * sa.literal_column("100") + sa.extract("month", counted.c.counted_on)
    no_label = sa.cast(sa.null(), sa.String)

    def grouped(name, key, label=no_label, outer=None):
        query = sa.select(
            sa.literal_column(f"'{name}'", sa.String).label("dimension"),
            key.label("key"),
            label.label("label"),
            *counts,
        ).select_from(counted)
        if outer is not None:
            query = query.outerjoin(*outer)
        return query.group_by(key) if label is no_label else query.group_by(key, label)

    centre = TrainingCentre.__table__
    query = sa.union_all(
        grouped("year", sa.cast(year, sa.String)),
        grouped("month", sa.cast(month, sa.String)),
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
    for row in db.session.execute(query):
        values = tuple(row[3:])
        if any(values):
            result[row.dimension].append(BreakdownRow(_clean_key(row.key), row.label, values))
    for name, rows in result.items():
        if name in ("year", "month"):
            rows.sort(key=lambda r: int(r.key))
        else:
            rows.sort(key=lambda r: (r.key is None, -sum(r.counts), r.key or ""))
    return result


def _clean_key(key):
    # PostgreSQL's EXTRACT gives numerics ("2026" but possibly "2026.0" on old servers).
    if key is not None and key.endswith(".0"):
        return key[:-2]
    return key


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
    """Everything the dashboard and its exports show, in three queries."""
    as_of = as_of or today()
    targets = load_targets()
    tables = breakdowns(targets, as_of)
    return Dashboard(
        as_of=as_of,
        targets=targets,
        progress=progress(as_of, targets),
        tables=tables,
        series=[cumulative_series(t, i, tables["month"], as_of) for i, t in enumerate(targets)],
    )
