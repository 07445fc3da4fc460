"""Checks: what a rule requires, whether it is met, and text that renders when it is read."""

from dataclasses import dataclass, field
from datetime import date

from flask import has_request_context
from flask_babel import format_date


class Day:
    """A date that prints in the reader's locale when rendered, and as ISO elsewhere (CLI)."""

    def __init__(self, day):
        self.day = day

    def __str__(self):
        return format_date(self.day) if has_request_context() else self.day.isoformat()


class Joined:
    """Lazy strings joined at render time, so that each is translated then."""

    def __init__(self, items, separator="; "):
        self.items = list(items)
        self.separator = separator

    def __str__(self):
        return self.separator.join(str(item) for item in self.items)


@dataclass
class Check:
    """One requirement: what is needed, whether it is met, what was found."""

    label: object
    ok: bool
    detail: object = None
    # What to say when it is not met; the label itself when None.
    failure: object = None
    # True for what the decider types (reason, dates, evidence), False for the record's facts.
    input: bool = False

    @property
    def missing(self):
        return self.failure or self.label


@dataclass
class Context:
    expert: object
    actor: object
    evidence: dict
    on: date
    to_status: object = None
    # Guards' records read beforehand for many experts at once (lifecycle.transition_many):
    # {"programme_enrolments": {expert_id: [...]}}; empty: each guard reads its own.
    preloaded: dict = field(default_factory=dict)


@dataclass
class GuardResult:
    checks: list[Check] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


def parse_day(value):
    """A date from a date or an ISO string; None when absent or malformed."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
