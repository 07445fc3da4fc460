"""How the registry counts progress toward the programme's targets (SPEC §5).

- certified in a period: distinct experts whose first national certificate was issued
  in the period, excluding experts withdrawn by the as-of date;
- regional/international in a period: distinct experts whose first regional or
  international certificate was issued in the period, excluding withdrawn experts;
- trained in a period: distinct people who first reached `trained` in the period.

Every count is one aggregate SQL query, as of a date (default today).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from registry.certificates.models import Certificate
from registry.enums import CertificateLevel, ExpertStatus, TargetMetric
from registry.experts.models import StatusChange
from registry.extensions import db
from registry.targets.models import Target

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_day_start(day):
    """The UTC instant at which `day` begins in Viet Nam."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def today():
    return datetime.now(LOCAL_TZ).date()


def _withdrawn_by(as_of):
    return (
        sa.select(StatusChange.expert_id)
        .where(
            StatusChange.to_status == ExpertStatus.WITHDRAWN,
            StatusChange.created_at < local_day_start(as_of + timedelta(days=1)),
        )
        .scalar_subquery()
    )


def _first_certificates(levels):
    return (
        sa.select(
            Certificate.expert_id.label("expert_id"),
            sa.func.min(Certificate.issued_on).label("first_on"),
        )
        .where(Certificate.level.in_(levels))
        .group_by(Certificate.expert_id)
        .subquery()
    )


def count_metric(metric, start, end, as_of=None):
    """Number of distinct experts counted by `metric` in [start, end], as of `as_of`."""
    as_of = as_of or today()
    last = min(end, as_of)
    if last < start:
        return 0
    if metric == TargetMetric.TRAINED:
        first = (
            sa.select(sa.func.min(StatusChange.created_at).label("first_at"))
            .where(StatusChange.to_status == ExpertStatus.TRAINED)
            .group_by(StatusChange.expert_id)
            .subquery()
        )
        query = sa.select(sa.func.count()).where(
            first.c.first_at >= local_day_start(start),
            first.c.first_at < local_day_start(last + timedelta(days=1)),
        )
    else:
        levels = (
            [CertificateLevel.NATIONAL]
            if metric == TargetMetric.CERTIFIED
            else [CertificateLevel.REGIONAL, CertificateLevel.INTERNATIONAL]
        )
        first = _first_certificates(levels)
        query = sa.select(sa.func.count()).where(
            first.c.first_on >= start,
            first.c.first_on <= last,
            first.c.expert_id.not_in(_withdrawn_by(as_of)),
        )
    return db.session.scalar(query.select_from(first))


def progress(as_of=None):
    """Each target with its count as of `as_of` and the percentage reached."""
    as_of = as_of or today()
    rows = []
    for target in db.session.scalars(sa.select(Target).order_by(Target.period_start, Target.id)):
        achieved = count_metric(target.metric, target.period_start, target.period_end, as_of)
        rows.append(
            {
                "target": target,
                "achieved": achieved,
                "percent": round(100 * achieved / target.target_number, 1),
            }
        )
    return rows
