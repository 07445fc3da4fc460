"""Figures on cases for auditors: counts, time to acknowledge, time to close, outcomes."""

from collections import Counter
from dataclasses import dataclass
from statistics import median

import sqlalchemy as sa

from registry.cases.models import Case
from registry.enums import CaseKind
from registry.extensions import db


@dataclass
class KindFigures:
    kind: CaseKind
    count: int
    open: int
    overdue: int
    days_to_acknowledge: float | None  # median, in days, of those acknowledged
    days_to_close: float | None  # median, in days, of those closed
    outcomes: Counter


def _median_days(pairs):
    spans = [(end - start).total_seconds() / 86400 for start, end in pairs if end is not None]
    return round(median(spans), 1) if spans else None


def case_figures(on, is_overdue):
    """One KindFigures per kind of case, counting confirmed cases only (an unconfirmed
    complaint is not yet a case the directorate can act on)."""
    cases = db.session.scalars(sa.select(Case).where(Case.confirmed_at.is_not(None))).all()
    figures = []
    for kind in CaseKind:
        mine = [c for c in cases if c.kind == kind]
        figures.append(
            KindFigures(
                kind=kind,
                count=len(mine),
                open=sum(1 for c in mine if c.closed_at is None),
                overdue=sum(1 for c in mine if is_overdue(c, on)),
                days_to_acknowledge=_median_days((c.confirmed_at, c.acknowledged_at) for c in mine),
                days_to_close=_median_days((c.confirmed_at, c.closed_at) for c in mine),
                outcomes=Counter(c.outcome for c in mine if c.outcome is not None),
            )
        )
    return figures
