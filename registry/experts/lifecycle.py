"""The certification lifecycle (SPEC §2): every change of an expert's status passes here.

`transition()` checks the actor's permission and the guard of the row of the table, then
changes the status with a conditional write (`UPDATE ... WHERE status = :from AND
version = :version`, row count checked), writes the history row, updates or issues
certificates (SPEC §3) and records the audit event, all in the caller's transaction.
Nothing is written when it refuses. The caller commits (or rolls back on an error).
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from registry.audit.history_chain import insert_changes
from registry.audit.service import record_event, record_events
from registry.certificates.models import Certificate
from registry.certificates.service import issue_certificate
from registry.clock import local_day
from registry.credentials.status import certificates_changed
from registry.database import utcnow
from registry.enums import CertificateStatus, ExpertStatus, Role
from registry.experts import guards
from registry.experts import profile as profiles
from registry.experts.checks import Check, Context, Joined
from registry.experts.guards import LEVEL_CERTIFICATE
from registry.experts.invitations import send_invitation
from registry.experts.models import Expert, StatusChange
from registry.experts.transitions import APPLY_NOTICE, INPUTS, Rule, Transition, row_for, rows_from
from registry.extensions import db
from registry.labels import STATUS_LABELS
from registry.mail.notifications import notify_changes, notify_transition
from registry.permissions import can_apply
from registry.text import clean_text

S = ExpertStatus
DUPLICATE_APPLICATION = _l(
    "Another open application exists for the same person (same email, or same name and date of birth)."
)


class LifecycleError(Exception):
    """A refused change; `message` is translated when shown, `http_status` suits a response."""

    http_status = 409

    def __init__(self, message, checks=None):
        super().__init__(message)
        self.message = message
        self.checks = checks or []

    def __str__(self):
        return str(self.message)


class NotAllowed(LifecycleError):
    """The actor may not perform this transition."""

    http_status = 403


class TransitionRefused(LifecycleError):
    """The transition is not in the table from the current state, or its guard is not met."""


class IncompleteRequest(TransitionRefused):
    """Only what the decider had to give (reason, dates, evidence, profile) is missing."""

    http_status = 422


class Conflict(LifecycleError):
    """The expert changed between reading and writing: someone else decided first."""


@dataclass
class Evaluation:
    """What a transition would need, as checked now; nothing is written."""

    expert: Expert
    from_status: ExpertStatus
    to_status: ExpertStatus
    row: Transition | None
    permitted: bool
    checks: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def rule(self):
        return self.row.rule if self.row else None

    @property
    def ok(self):
        return self.row is not None and self.permitted and all(c.ok for c in self.checks)

    @property
    def conditions(self):
        """The checks about the record (not about what the decider types)."""
        return [c for c in self.checks if not c.input]


@dataclass
class TransitionResult:
    expert: Expert
    change: StatusChange
    certificate: Certificate | None = None
    certificates_changed: list = field(default_factory=list)


def evaluate(expert, to_status, *, actor, reason=None, evidence=None, at=None, preloaded=None):
    """Check the permission and the guard of expert → to_status without writing anything.

    `preloaded`: records the guards read, read beforehand for many experts (checks.Context).
    """
    to_status = ExpertStatus(to_status)
    row = row_for(expert, to_status)
    evaluation = Evaluation(expert, expert.status, to_status, row, False)
    if row is None:
        return evaluation
    evaluation.permitted = row.may(actor, expert)
    evidence = dict(evidence or {})
    given = {"reason": clean_text(reason)} | {k: evidence.get(k) for k in INPUTS if k != "reason"}
    ctx = Context(expert, actor, evidence, local_day(at or utcnow()), to_status, preloaded or {})
    result = row.guard(ctx)
    required = [
        Check(INPUTS[name].requirement, INPUTS[name].accepts(given.get(name)), input=True)
        for name in row.required
    ]
    evaluation.checks, evaluation.facts = result.checks + required, result.facts
    return evaluation


class _Formatted:
    """A translated template filled in at render time."""

    def __init__(self, template, values):
        self.template, self.values = template, values

    def __str__(self):
        return str(self.template) % {k: str(v) for k, v in self.values.items()}


def _state_name(status):
    return STATUS_LABELS[status] if status else _l("not yet applied")


def refusal(evaluation):
    """The error for an evaluation that is not ok: what the state is and what is missing."""
    expert, current, target = evaluation.expert, evaluation.from_status, evaluation.to_status
    if evaluation.row is None:
        allowed = [to for _row, to in rows_from(expert)]
        return TransitionRefused(
            _l(
                "%(name)s is %(current)s: the registry does not allow a change to %(target)s from this state. Allowed next: %(allowed)s.",
                name=expert.full_name,
                current=_state_name(current),
                target=STATUS_LABELS[target],
                allowed=Joined([STATUS_LABELS[s] for s in allowed], ", ")
                if allowed
                else _l("none, this state is final"),
            )
        )
    if not evaluation.permitted:
        return NotAllowed(evaluation.row.refusal)
    message = (
        _l("%(name)s is %(current)s and cannot be renewed at %(target)s yet. Missing: %(missing)s.")
        if evaluation.rule == Rule.RENEW
        else _l("%(name)s is %(current)s and cannot become %(target)s yet. Missing: %(missing)s.")
    )
    return failed_checks_refusal(
        evaluation.checks,
        message,
        name=expert.full_name,
        current=_state_name(current),
        target=STATUS_LABELS[target],
    )


def failed_checks_refusal(checks, message, **values):
    """The error of checks that failed, `message` naming what is missing: IncompleteRequest
    when only what the decider gives is at fault, else TransitionRefused."""
    failed = [c for c in checks if not c.ok]
    error = IncompleteRequest if all(c.input for c in failed) else TransitionRefused
    values["missing"] = Joined(c.missing for c in failed)
    return error(_Formatted(message, values), checks=checks)


def transition(
    expert,
    to_status,
    *,
    actor,
    reason=None,
    evidence=None,
    expected_version=None,
    at=None,
    case=None,
):
    """Move `expert` to `to_status` as `actor` (None: the system), or raise a LifecycleError.

    `expected_version` is the version the decider saw (a stale one is a Conflict); `at`
    backdates the change for the demo seeder and must not lie in the future; `case` is the
    appeal or complaint (registry/cases) that led to the change: the history row records it
    with its evidence.
    """
    at = _moment(at)
    # A decision taken on a stale page is a conflict before anything else: the same
    # target may mean another rule now (a second "certify" would be a renewal).
    version = expert.version if expected_version is None else int(expected_version)
    if version != expert.version:
        raise _conflict(expert)
    evaluation = evaluate(expert, to_status, actor=actor, reason=reason, evidence=evidence, at=at)
    if not evaluation.ok:
        raise refusal(evaluation)
    from_status, to_status = evaluation.from_status, evaluation.to_status
    conditional_write(
        expert,
        version,
        where_status=from_status,
        status=to_status,
        held_level=_held_level(from_status, to_status),
        status_changed_at=at,
    )
    record = dict(evaluation.facts.get("record") or {})
    if case is not None:
        record["case"] = case.id
    # The public reason, for the rows that take one (suspend, withdraw); checked above.
    takes_code = "reason_code" in (*evaluation.row.required, *evaluation.row.optional)
    reason_code = (evidence or {}).get("reason_code") if takes_code else None
    change = StatusChange(
        expert_id=expert.id,
        from_status=from_status,
        to_status=to_status,
        actor_id=getattr(actor, "id", None),
        reason=clean_text(reason),
        reason_code=reason_code or None,
        evidence=record or None,
        created_at=at,
    )
    db.session.add(change)
    db.session.flush()
    result = TransitionResult(expert, change)
    _apply_to_certificates(result, evaluation, actor, change, local_day(at))
    details = transition_details(evaluation, change.reason, change.reason_code, record, change.id)
    if result.certificate is not None:
        details["certificate"] = result.certificate.number
    if result.certificates_changed:
        details["certificates"] = {c.number: c.status.value for c in result.certificates_changed}
    # Certificates are issued before this event: every transaction takes the certificate
    # counter's lock before the audit chain's, so concurrent issuers cannot deadlock.
    record_event(
        "expert.transition", actor=actor, object_type="expert", object_id=expert.id, details=details
    )
    notify_transition(result, evaluation.row.notice)
    return result


def transition_many(items, to_status, *, actor):
    """Move many experts to `to_status` as `actor`: what transition() does one by one (same
    row, same guard, same history, audit events and messages), with one statement each for
    the status updates, the history rows and the audit events.

    `items` are (expert, reason, evidence). Returns (moved experts, [(expert, refusal)]) for
    refusals of the table or a guard; not being allowed, or a conflict, raises. A row that
    touches certificates, and a second change of the same expert, go through transition().
    """
    at = utcnow()
    items = list(items)
    moved, refused, bulk, one_by_one, seen = [], [], [], [], set()
    # The records the guards read, in a few queries instead of some per expert.
    preloaded = {
        "programme_enrolments": guards.programme_enrolments_of_many(e.id for e, _r, _v in items)
    }
    for expert, reason, evidence in items:
        if expert.id in seen:
            one_by_one.append((expert, reason, evidence))
            continue
        seen.add(expert.id)
        evaluation = evaluate(
            expert, to_status, actor=actor, reason=reason, evidence=evidence, preloaded=preloaded
        )
        if not evaluation.ok:
            error = refusal(evaluation)
            if not isinstance(error, TransitionRefused):
                raise error
            refused.append((expert, error))
        elif evaluation.row.issues or evaluation.row.certificates or evaluation.rule == Rule.RENEW:
            one_by_one.append((expert, reason, evidence))
        else:
            bulk.append((evaluation, clean_text(reason)))
    _write_many(bulk, actor, at)
    moved.extend(evaluation.expert for evaluation, _reason in bulk)
    for expert, reason, evidence in one_by_one:
        try:
            moved.append(
                transition(expert, to_status, actor=actor, reason=reason, evidence=evidence).expert
            )
        except TransitionRefused as error:
            refused.append((expert, error))
    return moved, refused


def transition_details(evaluation, reason, reason_code, record, change_id):
    """The audit event's details of a transition (one by one or in bulk alike)."""
    return {
        "rule": evaluation.rule.value,
        "from": evaluation.from_status.value,
        "to": evaluation.to_status.value,
        "reason": reason,
        "reason_code": reason_code,
        "evidence": record,
        "status_change_id": change_id,
    }


def _held_level(from_status, to_status):
    """The level a suspended or expired expert may return to; nobody else holds one."""
    return from_status if to_status in (S.SUSPENDED, S.EXPIRED) else None


def _write_many(bulk, actor, at):
    if not bulk:
        return
    table = Expert.__table__
    # One UPDATE … FROM (VALUES (id, version), …) per 500 experts who move from the same
    # state to the same state: one statement for the database to run, not one per expert.
    # Each row still changes only if its version and status are those the guard read.
    groups = {}
    for evaluation, _reason in bulk:
        from_status, to_status = evaluation.from_status, evaluation.to_status
        key = (from_status, to_status, _held_level(from_status, to_status))
        groups.setdefault(key, []).append((evaluation.expert.id, evaluation.expert.version))
    columns = (sa.column("b_id", table.c.id.type), sa.column("b_version", table.c.version.type))
    updated = 0
    for (from_status, to_status, held), experts in groups.items():
        for start in range(0, len(experts), 500):
            moves = (
                sa.values(*columns, name="moves").data(experts[start : start + 500]).cte("moves")
            )
            statement = (
                sa.update(table)
                .where(
                    table.c.id == moves.c.b_id,
                    table.c.version == moves.c.b_version,
                    table.c.status == from_status,
                )
                .values(
                    version=table.c.version + 1,
                    status=to_status,
                    held_level=held,
                    status_changed_at=at,
                )
                .returning(table.c.id)  # counted so: the rowcount of a WITH … is not kept
                .execution_options(synchronize_session=False)
            )
            updated += len(db.session.execute(statement).all())
    if updated != len(bulk):  # someone changed one of them since it was read
        for evaluation, _reason in bulk:
            current = db.session.scalar(
                sa.select(table.c.version).where(table.c.id == evaluation.expert.id)
            )
            if current != evaluation.expert.version + 1:
                raise _conflict(evaluation.expert)
        raise Conflict(_l("Someone else changed these records meanwhile. Try again."))
    for evaluation, _reason in bulk:
        expert = evaluation.expert
        for name, value in (
            ("status", evaluation.to_status),
            ("version", expert.version + 1),
            ("held_level", _held_level(evaluation.from_status, evaluation.to_status)),
            ("status_changed_at", at),
        ):
            set_committed_value(expert, name, value)
    actor_id = getattr(actor, "id", None)
    changes = [
        {
            "expert_id": evaluation.expert.id,
            "from_status": evaluation.from_status,
            "to_status": evaluation.to_status,
            "actor_id": actor_id,
            "reason": reason,
            "evidence": dict(evaluation.facts.get("record") or {}) or None,
            "created_at": at,
        }
        for evaluation, reason in bulk
    ]
    change_ids = insert_changes(db.session, changes)
    record_events(
        (
            (
                "expert.transition",
                "expert",
                change["expert_id"],
                transition_details(
                    evaluation, change["reason"], None, change["evidence"] or {}, change_id
                ),
            )
            for (evaluation, _reason), change, change_id in zip(
                bulk, changes, change_ids, strict=True
            )
        ),
        actor=actor,
    )
    by_notice = {}
    for (evaluation, _reason), change_id in zip(bulk, change_ids, strict=True):
        by_notice.setdefault(evaluation.row.notice, []).append(
            (evaluation.expert, change_id, evaluation.to_status)
        )
    for notice, changes in by_notice.items():
        notify_changes(changes, notice)


def _moment(at):
    now = utcnow()
    if at is None:
        return now
    if not isinstance(at, datetime) or at.tzinfo is None or at > now:
        raise ValueError("`at` must be a timezone-aware moment that is not in the future")
    return at


def _conflict(expert):
    current = db.session.scalar(sa.select(Expert.status).where(Expert.id == expert.id))
    return Conflict(
        _l(
            "Someone else changed the record of %(name)s while you were deciding; it is now %(current)s. Reload the page and decide again.",
            name=expert.full_name,
            current=_state_name(current),
        )
    )


def conditional_write(expert, version, *, where_status=None, **values):
    """UPDATE the expert only if it is still as read (status and version); else Conflict."""
    table = Expert.__table__
    conditions = [table.c.id == expert.id, table.c.version == version]
    if where_status is not None:
        conditions.append(table.c.status == where_status)
    statement = sa.update(table).where(*conditions).values(version=table.c.version + 1, **values)
    try:
        with db.session.begin_nested():
            rows = db.session.execute(statement).rowcount
    except IntegrityError as exc:
        # A partial unique index: another open application of the same person appeared.
        raise TransitionRefused(DUPLICATE_APPLICATION) from exc
    if rows != 1:
        raise _conflict(expert)
    db.session.refresh(expert)


def _apply_to_certificates(result, evaluation, actor, change, on):
    """Certificates follow the expert as the row says (SPEC §3); a suspended or withdrawn
    one keeps the change's public reason (shown on verification) and its private note."""
    expert, row = result.expert, evaluation.row
    if row.rule == Rule.RENEW:
        replaces = evaluation.facts["replaces"]
        level = LEVEL_CERTIFICATE[evaluation.to_status]
        result.certificate = issue_certificate(
            expert, level, actor=actor, issued_on=on, replaces=replaces
        )
        result.certificates_changed.append(replaces)
    elif row.issues is not None:
        result.certificate = issue_certificate(expert, row.issues, actor=actor, issued_on=on)
    if row.certificates:
        statuses, new_status = row.certificates
        keeps_reason = new_status in (CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN)
        for certificate in guards.certificates_of(expert, statuses):
            certificate.status = new_status
            certificate.status_reason = change.reason if keeps_reason else None
            certificate.reason_code = change.reason_code if keeps_reason else None
            result.certificates_changed.append(certificate)
    db.session.flush()
    certificates_changed(result.certificates_changed)


def apply(profile, *, actor, at=None):
    """(new) → applied: create the expert's record from the profile of SPEC §2.

    An expert applies for themselves (the record is tied to their account); an officer
    applies on someone's behalf (tied to no account: the person is invited to claim it).
    """
    at = _moment(at)
    if not can_apply(actor):
        raise NotAllowed(_l("Only an expert (for themselves) or an officer may apply."))
    # The account the record belongs to: the expert's own; none when an officer applies.
    # Never an account found by the email: anyone can sign up with someone else's address.
    user = actor if actor.role == Role.EXPERT else None
    if user is not None:
        own = Expert.of_user(user)
        if own is not None:
            raise TransitionRefused(
                _l(
                    "%(name)s already has an application, which is %(current)s; a new one is not possible. After a rejection, apply again from your page.",
                    name=own.full_name,
                    current=_state_name(own.status),
                )
            )
        profile = {**profile, "email": actor.email}  # tied to the account
    data, invalid = profiles.clean_profile(profile, local_day(at))
    checks = [
        *profiles.profile_checks(data, invalid),
        profiles.duplicate_check(data["email"], data["full_name"], data["date_of_birth"]),
    ]
    if not all(c.ok for c in checks):
        raise failed_checks_refusal(
            checks, _l("The application cannot be accepted. Missing: %(missing)s.")
        )
    expert = Expert(
        user=user,
        status=S.APPLIED,
        version=1,
        status_changed_at=at,
        created_at=at,
        **data,
    )
    try:
        with db.session.begin_nested():
            db.session.add(expert)
            db.session.flush()
    except IntegrityError as exc:
        raise TransitionRefused(DUPLICATE_APPLICATION) from exc
    change = StatusChange(
        expert_id=expert.id,
        from_status=None,
        to_status=S.APPLIED,
        actor_id=actor.id,
        created_at=at,
        evidence={"on_behalf": user is None or user.id != actor.id},
    )
    db.session.add(change)
    db.session.flush()
    record_event(
        "expert.transition",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={
            "rule": Rule.APPLY.value,
            "from": None,
            "to": S.APPLIED.value,
            "status_change_id": change.id,
            "email": expert.email,
            "consent_public_listing": expert.consent_public_listing,
        },
    )
    result = TransitionResult(expert, change)
    notify_transition(result, APPLY_NOTICE)
    if user is None:  # the person claims the record through the mailed link
        send_invitation(expert)
    return result
