"""What an expert still needs for the next step, for their own page and the work queues."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.clock import today as local_today
from registry.enums import CERTIFIED_LEVELS, ExpertStatus
from registry.experts.checks import Day, parse_day
from registry.experts.guards import in_renewal_window
from registry.experts.lifecycle import evaluate
from registry.experts.models import StatusChange
from registry.experts.transitions import Rule, rows_from
from registry.extensions import db

S = ExpertStatus


@dataclass
class NextStep:
    title: object
    note: object = None
    checks: list = field(default_factory=list)


def officer_decisions(expert, on=None):
    """(target status, rule) pairs an officer may open a decision page for.

    "Renew" is offered only in the renewal window, not for a certificate years from its end.
    """
    on = on or local_today()
    return [
        (to, row.rule)
        for row, to in rows_from(expert)
        if row.by_officer and (row.rule != Rule.RENEW or in_renewal_window(expert, on))
    ]


def review_date(expert):
    """The review date set when the expert was suspended."""
    change = db.session.scalar(
        sa.select(StatusChange)
        .where(StatusChange.expert_id == expert.id)
        .order_by(StatusChange.id.desc())
        .limit(1)
    )
    if change is None or change.to_status != S.SUSPENDED:
        return None
    return parse_day((change.evidence or {}).get("review_on"))


def _conditions(expert, to_status):
    return evaluate(expert, to_status, actor=None).conditions


def next_steps(expert):
    """The steps open to the expert now, each with what is met and what is missing."""
    status = expert.status
    if status == S.APPLIED:
        return [
            NextStep(
                _l("Complete the PQ expert programme at an approved training centre"),
                _l("The training centre records your completion; you then become trained."),
                _conditions(expert, S.TRAINED),
            )
        ]
    if status == S.TRAINED:
        evaluation = evaluate(expert, S.CERTIFIED, actor=None)
        note = (
            _l("Everything is in place: the directorate will decide on your certification.")
            if all(c.ok for c in evaluation.conditions)
            else _l("Pass the certification exam; the directorate then decides.")
        )
        return [NextStep(_l("Certification by the directorate"), note, evaluation.conditions)]
    if status in CERTIFIED_LEVELS or status == S.EXPIRED:
        level = expert.held_level if status == S.EXPIRED else status
        steps = [
            NextStep(
                _l("Renewal of your certificate"),
                _l("Record your CPD hours; an officer confirms them and decides the renewal."),
                _conditions(expert, level),
            )
        ]
        if status in (S.CERTIFIED, S.ACCREDITED_REGIONAL):
            steps.append(
                NextStep(
                    _l("Regional or international accreditation"),
                    _l(
                        "Send the evidence of your regional or international recognition; an officer decides."
                    ),
                )
            )
        return steps
    if status == S.SUSPENDED:
        day = review_date(expert)
        note = _l("Review planned on %(day)s.", day=Day(day)) if day else None
        return [NextStep(_l("Your certification is suspended pending a review"), note)]
    if status == S.REJECTED:
        return [NextStep(_l("You may apply again"), _l("Your history is kept."))]
    return [NextStep(_l("The certification was withdrawn; this record is closed."))]


# What the timeline shows of a transition's recorded evidence (other keys stay in the log).
EVIDENCE_LABELS = {
    "course": _l("Course"),
    "centre": _l("Training centre"),
    "attended_hours": _l("Hours attended"),
    "course_hours": _l("Course hours"),
    "completed_on": _l("Completed on"),
    "score": _l("Exam score"),
    "pass_mark": _l("Pass mark"),
    "exam_held_on": _l("Exam date"),
    "reference": _l("Reference"),
    "issuing_body": _l("Issuing body"),
    "issued_on": _l("Date of recognition"),
    "review_on": _l("Review date"),
    "certificate": _l("Certificate"),
    "valid_until": _l("Valid until"),
    "renews": _l("Renews certificate"),
    "cpd_hours": _l("CPD hours confirmed"),
    "case": _l("Case (appeal or complaint) no."),
}


def evidence_items(evidence):
    """(label, value) pairs of a history row's evidence worth showing; dates localised."""
    items = []
    for key, label in EVIDENCE_LABELS.items():
        value = (evidence or {}).get(key)
        if value in (None, ""):
            continue
        if key.endswith(("_on", "_until")) and parse_day(value):
            value = Day(parse_day(value))
        items.append((label, value))
    return items
