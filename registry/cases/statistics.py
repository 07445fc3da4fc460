"""Figures on cases for officers and auditors (/audit/cases, the dashboard and its exports):
counts, time to acknowledge, time to close, outcomes, and what the cases led to."""

from collections import Counter
from dataclasses import dataclass
from statistics import median

import sqlalchemy as sa

from registry.audit.findings import is_overdue as action_overdue
from registry.audit.models import AuditFinding
from registry.cases.appeals import is_overdue
from registry.cases.models import Case
from registry.enums import CaseKind, CaseOutcome
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
    changes: int  # cases that led to a change of status through the table
    findings: int  # audit findings recorded from cases
    actions_open: int  # their corrective actions not yet done
    actions_overdue: int  # of which past their due day

    @property
    def upheld(self):
        return self.outcomes.get(CaseOutcome.UPHELD, 0)

    @property
    def dismissed(self):
        return self.outcomes.get(CaseOutcome.DISMISSED, 0)


def _median_days(pairs):
    spans = [(end - start).total_seconds() / 86400 for start, end in pairs if end is not None]
    return round(median(spans), 1) if spans else None


def case_figures(on):
    """One KindFigures per kind of case on day `on`, counting confirmed cases only (an
    unconfirmed complaint is not yet a case the directorate can act on)."""
    # One query, whatever the number of cases: each case with its finding, if any.
    rows = db.session.execute(
        sa.select(Case, AuditFinding)
        .outerjoin(AuditFinding, AuditFinding.case_id == Case.id)
        .where(Case.confirmed_at.is_not(None))
    ).all()
    figures = []
    for kind in CaseKind:
        mine = [c for c, _f in rows if c.kind == kind]
        found = [f for c, f in rows if c.kind == kind and f is not None]
        figures.append(
            KindFigures(
                kind=kind,
                count=len(mine),
                open=sum(1 for c in mine if c.closed_at is None),
                overdue=sum(1 for c in mine if is_overdue(c, on)),
                days_to_acknowledge=_median_days((c.confirmed_at, c.acknowledged_at) for c in mine),
                days_to_close=_median_days((c.confirmed_at, c.closed_at) for c in mine),
                outcomes=Counter(c.outcome for c in mine if c.outcome is not None),
                changes=sum(1 for c in mine if c.resulting_change_id is not None),
                findings=len(found),
                actions_open=sum(1 for f in found if f.closed_on is None),
                actions_overdue=sum(1 for f in found if action_overdue(f, on)),
            )
        )
    return figures
