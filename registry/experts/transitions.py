"""The transitions of SPEC §2 as one table: the only place a rule of the lifecycle is written.

Each row says which states it leads from and to, who may take it (a `can_*` predicate of
registry/permissions.py), what the record must show (its guard, registry/experts/guards.py),
what the decider gives (its inputs) and what follows for certificates (its effects). The
service (registry/experts/lifecycle.py), the officers' decision forms, the API's request
schema, the "what is missing" explanations and the table in docs/lifecycle.md are derived
from it.
"""

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from registry.enums import (
    CERTIFIED_LEVELS,
    CertificateLevel,
    CertificateStatus,
    ExpertStatus,
    PublicReason,
)
from registry.experts import guards
from registry.labels import PUBLIC_REASON_LABELS
from registry.permissions import (
    can_decide_certification,
    can_record_training,
    is_the_expert,
    is_the_system,
)

S = ExpertStatus
C = CertificateStatus


class Rule(StrEnum):
    """The rows of the table."""

    APPLY = "apply"
    REJECT = "reject"
    TRAIN = "train"
    CERTIFY = "certify"
    ACCREDIT_REGIONAL = "accredit_regional"
    ACCREDIT_INTERNATIONAL = "accredit_international"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    RENEW = "renew"
    REAPPLY = "reapply"


@dataclass(frozen=True)
class Input:
    """Something the decider gives. The API takes `reason` at the top of the body and the
    others under `evidence`; the decision form shows each as a field (a "choice" as a
    select of its `choices`, pairs of stored value and label)."""

    name: str
    kind: str  # "text", "date" or "choice"
    label: object
    requirement: object  # what "missing" says when a required input is not given
    max_length: int = 200
    choices: tuple = ()

    def accepts(self, value):
        """Whether `value` counts as given: not empty, and one of the choices if any."""
        if value in (None, ""):
            return False
        return not self.choices or value in {stored for stored, _label in self.choices}

    @property
    def in_evidence(self):
        return self.name != "reason"


INPUTS = {
    i.name: i
    for i in (
        Input(
            "reference",
            "text",
            _l("Reference of the recognition (e.g. APO certification number)"),
            _l("Reference of the recognition (e.g. APO certification number)"),
        ),
        Input(
            "issuing_body",
            "text",
            _l("Body that granted the recognition"),
            _l("Body that granted the recognition"),
        ),
        Input("issued_on", "date", _l("Date of recognition"), _l("Date of the recognition")),
        Input("review_on", "date", _l("Review date"), _l("A review date")),
        Input("reason", "text", _l("Reason"), _l("A reason is given"), max_length=2000),
        # The public reason: what verification shows, where the reason above stays private.
        Input(
            "reason_code",
            "choice",
            _l("Public reason (shown on verification)"),
            _l("A public reason from the list"),
            max_length=max(len(code.value) for code in PublicReason),
            choices=tuple((code.value, label) for code, label in PUBLIC_REASON_LABELS.items()),
        ),
    )
}


_OFFICER_ONLY = _l("Only a certification officer may take this decision.")


@dataclass(frozen=True)
class Transition:
    """One row: `sources` → `target` (None: back to the level held, or the same level)."""

    rule: Rule
    label: object
    sources: tuple
    target: ExpertStatus | None
    guard: object  # guards.<name>(ctx) -> GuardResult
    required: tuple = ()  # inputs that must be given
    optional: tuple = ()  # inputs that may be given
    issues: CertificateLevel | None = None  # a certificate of this level is issued
    certificates: tuple = ()  # (statuses, new status): the expert's certificates follow
    notice: str | None = None  # the message the expert receives (templates/mail/<lang>/)
    # A predicate (user, expert) -> bool from registry/permissions.py; a certification
    # officer unless the row says otherwise.
    may: object = can_decide_certification
    refusal: object = _OFFICER_ONLY  # what a refused actor is told

    @property
    def by_officer(self):
        """Decided from the officers' decision page."""
        return self.may is can_decide_certification

    @property
    def inputs(self):
        return [INPUTS[name] for name in (*self.required, *self.optional)]

    def target_for(self, expert):
        """The state this row leads to for `expert` (the level held, for reinstate/renew)."""
        if self.target is not None:
            return self.target
        if expert.status in (S.SUSPENDED, S.EXPIRED):
            return expert.held_level
        return expert.status


_LEVELS = tuple(CERTIFIED_LEVELS)

TABLE = (
    Transition(
        Rule.REJECT,
        _l("Reject the application"),
        (S.APPLIED,),
        S.REJECTED,
        guards.nothing_more,
        required=("reason",),
        notice="rejected",
    ),
    Transition(
        Rule.TRAIN,
        _l("Record as trained"),
        (S.APPLIED,),
        S.TRAINED,
        guards.train_guard,
        notice="trained",
        may=can_record_training,
        refusal=_l("Only staff of the training centre that ran the course may record training."),
    ),
    Transition(
        Rule.CERTIFY,
        _l("Certify (national)"),
        (S.TRAINED,),
        S.CERTIFIED,
        guards.certify_guard,
        optional=("reason",),
        issues=CertificateLevel.NATIONAL,
        notice="certified",
    ),
    Transition(
        Rule.ACCREDIT_REGIONAL,
        _l("Accredit at regional level"),
        (S.CERTIFIED,),
        S.ACCREDITED_REGIONAL,
        guards.accredit_guard,
        required=("reference", "issuing_body", "issued_on"),
        optional=("reason",),
        issues=CertificateLevel.REGIONAL,
        notice="accredited",
    ),
    Transition(
        Rule.ACCREDIT_INTERNATIONAL,
        _l("Accredit at international level"),
        (S.CERTIFIED, S.ACCREDITED_REGIONAL),
        S.ACCREDITED_INTERNATIONAL,
        guards.accredit_guard,
        required=("reference", "issuing_body", "issued_on"),
        optional=("reason",),
        issues=CertificateLevel.INTERNATIONAL,
        notice="accredited",
    ),
    Transition(
        Rule.SUSPEND,
        _l("Suspend"),
        _LEVELS,
        S.SUSPENDED,
        guards.suspend_guard,
        required=("reason_code", "reason", "review_on"),
        certificates=((C.VALID,), C.SUSPENDED),
        notice="suspended",
    ),
    Transition(
        Rule.REINSTATE,
        _l("Reinstate"),
        (S.SUSPENDED,),
        None,
        guards.nothing_more,
        required=("reason",),
        certificates=((C.SUSPENDED,), C.VALID),
        notice="reinstated",
    ),
    Transition(
        Rule.WITHDRAW,
        _l("Withdraw"),
        (*_LEVELS, S.SUSPENDED),
        S.WITHDRAWN,
        guards.nothing_more,
        required=("reason_code", "reason"),
        certificates=((C.VALID, C.SUSPENDED), C.WITHDRAWN),
        notice="withdrawn",
    ),
    Transition(
        Rule.EXPIRE,
        _l("Expire"),
        _LEVELS,
        S.EXPIRED,
        guards.expire_guard,
        certificates=((C.VALID,), C.EXPIRED),
        may=is_the_system,
        refusal=_l("Only the daily expiry job moves an expert to expired."),
    ),
    Transition(
        Rule.RENEW,
        _l("Renew"),
        (*_LEVELS, S.EXPIRED),
        None,
        guards.renewal_guard,
        optional=("reason",),
        issues=None,  # a certificate of the level renewed, replacing the old one
        notice="renewed",
    ),
    Transition(
        Rule.REAPPLY,
        _l("Apply again"),
        (S.REJECTED,),
        S.APPLIED,
        guards.reapply_guard,
        notice="application_received",
        may=is_the_expert,
        refusal=_l("Only the expert may apply again after a rejection."),
    ),
)

# (new) → applied creates the record: registry/experts/lifecycle.py `apply`.
APPLY_NOTICE = "application_received"
LABELS = {Rule.APPLY: _l("Apply")} | {row.rule: row.label for row in TABLE}


def row_for(expert, to_status):
    """The row that leads `expert` to `to_status` now, or None if the table has none."""
    return next((row for row, to in rows_from(expert) if to == to_status), None)


def rows_from(expert):
    """Every row open from the expert's state, with the state each leads to."""
    return [
        (row, row.target_for(expert))
        for row in TABLE
        if expert.status in row.sources and row.target_for(expert) is not None
    ]


def markdown_table():
    """The table as docs/lifecycle.md shows it (a test keeps the two identical)."""
    lines = [
        "| rule | from | to | who may | what the record must show | the decider gives "
        "(**required**) | certificates | the expert is told |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in TABLE:
        gives = [f"**{name}**" for name in row.required] + list(row.optional)
        if row.rule == Rule.RENEW:
            effect = "a new one of the level; the old one `superseded`"
        elif row.issues:
            effect = f"a new `{row.issues.value}` one"
        elif row.certificates:
            before, after = row.certificates
            effect = f"{', '.join(f'`{s.value}`' for s in before)} → `{after.value}`"
        else:
            effect = ""
        cells = [
            row.rule.value,
            ", ".join(f"`{s.value}`" for s in row.sources),
            f"`{row.target.value}`" if row.target else "the level held",
            f"`{row.may.__name__}`",
            " ".join(row.guard.__doc__.split()),
            ", ".join(gives),
            effect,
            f"`{row.notice}`" if row.notice else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
