"""Appeals (ISO/IEC 17024 9.8): the person concerned appeals a decision within a period;
an officer who took no part in it acknowledges, takes, decides and closes the case.

Each step is a conditional write on the case's status (a stale page is a CaseConflict), an
audit event `case.<step>` and a mail to the person, in the caller's transaction (flushed,
never committed). An upheld appeal takes the transition it implies through the transition
table (registry/experts/lifecycle.py), or says that the table has none; an upheld appeal
against refused CPD hours confirms them. What appeals and complaints share is in
registry/cases/service.py.
"""

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.cases import notices
from registry.cases.models import Case, CaseDocument
from registry.cases.service import (
    FINDING_REQUIRED,
    CaseError,
    CaseNotAllowed,
    move,
    paragraphs,
    record_step,
    update_once,
)
from registry.clock import configured_days, local_day
from registry.database import utcnow
from registry.enums import (
    OPEN_CASE_STATUSES,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ExpertStatus,
    RequestStatus,
)
from registry.experts import lifecycle
from registry.experts.models import AccreditationRequest, CpdRecord, StatusChange
from registry.experts.uploads import store_evidence
from registry.extensions import db
from registry.permissions import can_appeal, can_handle_case

# The decisions a person may appeal: these status changes, refused accreditation, and
# refused CPD hours (the one refusal on the way to a renewal: a renewal itself is never
# refused in the table, it waits in the renewal window for the hours it needs).
APPEALABLE = (ExpertStatus.REJECTED, ExpertStatus.SUSPENDED, ExpertStatus.WITHDRAWN)
# What an upheld appeal against a decision leading to this state takes through the table
# (None: the table has no way back; the outcome is recorded and the person told).
IMPLIED = {ExpertStatus.SUSPENDED: "reinstate"}
# How a page names a decision ("change-12", "accreditation-3", "cpd-7"): its model, and the
# column of Case that names a decision of this kind.
DECISIONS = {
    "change": (StatusChange, Case.status_change_id),
    "accreditation": (AccreditationRequest, Case.accreditation_request_id),
    "cpd": (CpdRecord, Case.cpd_record_id),
}


def appeal_period():
    return configured_days("REGISTRY_APPEAL_PERIOD_DAYS")


def _prefix(decision):
    return next(name for name, (model, _c) in DECISIONS.items() if isinstance(decision, model))


def decision_ref(decision):
    """'change-12', 'accreditation-3' or 'cpd-7': how a page names a decision."""
    return f"{_prefix(decision)}-{decision.id}"


def decision_day(decision):
    """The Viet Nam day the decision was taken (the period counts from it)."""
    moment = decision.created_at if isinstance(decision, StatusChange) else decision.decided_at
    return local_day(moment)


def decision_column(decision):
    """The column of Case that names a decision of this kind."""
    return DECISIONS[_prefix(decision)][1]


def _not_appealed(name, expert, *conditions):
    """The decisions of kind `name` of `expert` meeting `conditions` and not yet appealed."""
    model, column = DECISIONS[name]
    appealed = sa.select(column).where(column.is_not(None))
    return db.session.scalars(
        sa.select(model)
        .where(model.expert_id == expert.id, *conditions, model.id.not_in(appealed))
        .order_by(model.id)
    ).all()


def appealable_decisions(expert, on):
    """(decision, last day to appeal) for each decision of `expert` still open to appeal."""
    decisions = [
        *_not_appealed(
            "change",
            expert,
            StatusChange.to_status.in_(APPEALABLE),
            StatusChange.actor_id.is_not(None),
        ),
        *_not_appealed(
            "accreditation", expert, AccreditationRequest.status == RequestStatus.REFUSED
        ),
        *_not_appealed("cpd", expert, CpdRecord.status == RequestStatus.REFUSED),
    ]
    period = appeal_period()
    return [
        (decision, decision_day(decision) + period)
        for decision in decisions
        if decision_day(decision) + period >= on
    ]


def find_decision(expert, ref):
    """The decision of `expert` named by `ref` (decision_ref), or None."""
    prefix, _sep, raw = (ref or "").partition("-")
    if prefix not in DECISIONS or not raw.isdigit():
        return None
    decision = db.session.get(DECISIONS[prefix][0], int(raw))
    return decision if decision is not None and decision.expert_id == expert.id else None


def file_appeal(expert, decision, *, actor, grounds, files=()):
    """The person concerned appeals `decision` (received); attachments are checked and
    stored first (an UploadRefused writes nothing). Returns the Case."""
    if not can_appeal(actor, expert):
        raise CaseNotAllowed(_l("Only the person concerned may appeal a decision."))
    now = utcnow()
    today = local_day(now)
    ref = decision_ref(decision)
    if ref not in {decision_ref(d) for d, _last in appealable_decisions(expert, today)}:
        raise CaseError(_appeal_closed_message(decision))
    grounds = paragraphs(grounds)
    if not grounds:
        raise CaseError(_l("Say on what grounds you appeal."))
    stored = [store_evidence(f.stream, f.filename) for f in files if f and f.filename]
    case = Case(
        kind=CaseKind.APPEAL,
        status=CaseStatus.RECEIVED,
        expert_id=expert.id,
        grounds=grounds,
        filed_by_id=actor.id,
        received_at=now,
        confirmed_at=now,  # filed from the person's own account
        due_on=today + configured_days("REGISTRY_CASE_ACKNOWLEDGE_DAYS"),
    )
    setattr(case, decision_column(decision).key, decision.id)
    db.session.add(case)
    db.session.flush()
    db.session.add_all(
        CaseDocument(case_id=case.id, name=d.name, path=d.path, sha256=d.sha256) for d in stored
    )
    db.session.flush()
    record_step(case, "received", actor, decision=ref, documents=[d.sha256 for d in stored])
    notices.tell(case, "received")
    return case


def _appeal_closed_message(decision):
    """Why `decision` is not open to appeal, in the person's words."""
    if db.session.scalar(sa.select(Case.id).where(decision_column(decision) == decision.id)):
        return _l("This decision has already been appealed.")
    if isinstance(decision, StatusChange) and decision.to_status not in APPEALABLE:
        return _l("This decision cannot be appealed.")
    if not isinstance(decision, StatusChange) and decision.status != RequestStatus.REFUSED:
        return _l("This decision cannot be appealed.")
    return _l(
        "The period to appeal this decision (%(days)s days from %(day)s) has ended.",
        days=current_app.config["REGISTRY_APPEAL_PERIOD_DAYS"],
        day=decision_day(decision).strftime("%d/%m/%Y"),
    )


def acknowledge(case, *, actor, expected_status=CaseStatus.RECEIVED):
    """received → acknowledged: the person is told by when the decision is due."""
    _may_handle(case, actor)
    if case.confirmed_at is None:
        raise CaseError(
            _l("Case #%(id)s waits for its contact address to be confirmed.", id=case.id)
        )
    now = utcnow()
    due_on = local_day(now) + configured_days("REGISTRY_CASE_DECISION_DAYS")
    move(
        case,
        expected_status,
        CaseStatus.RECEIVED,
        CaseStatus.ACKNOWLEDGED,
        acknowledged_at=now,
        due_on=due_on,
    )
    record_step(case, "acknowledged", actor, due_on=due_on.isoformat())
    notices.tell(case, "acknowledged")
    return case


def assign(case, handler, *, actor, expected_status=CaseStatus.ACKNOWLEDGED):
    """acknowledged → assigned to `handler`, who must not have taken the decision appealed."""
    _may_handle(case, actor)
    _may_handle(case, handler)
    move(
        case,
        expected_status,
        CaseStatus.ACKNOWLEDGED,
        CaseStatus.ASSIGNED,
        handler_id=handler.id,
        assigned_at=utcnow(),
    )
    record_step(case, "assigned", actor, handler=handler.email)
    notices.tell(case, "assigned")
    return case


def check_decision(case, outcome, *, actor, reasons):
    """The decision `actor` would take, checked before anything is written: returns
    (outcome, reasons) or raises a CaseError."""
    _may_handle(case, actor)
    if case.handler_id != actor.id:
        raise CaseNotAllowed(_l("Only the officer to whom the case is assigned decides it."))
    if outcome not in {o.value for o in CaseOutcome}:
        raise CaseError(_l("Choose whether the appeal is upheld or dismissed."))
    reasons = paragraphs(reasons)
    if not reasons:
        raise CaseError(_l("Give the reasons for the decision."))
    return CaseOutcome(outcome), reasons


def decide(
    case, outcome, *, actor, reasons, expected_status=CaseStatus.ASSIGNED, with_finding=False
):
    """assigned → decided by its handler: upheld or dismissed, with reasons. An upheld
    appeal takes what it implies: the transition through the table (a refusal there refuses
    the decision: the caller rolls back), or the refused CPD hours confirmed. An upheld
    complaint about a centre or the directorate is decided `with_finding` only
    (complaints.decide records it)."""
    outcome, reasons = check_decision(case, outcome, actor=actor, reasons=reasons)
    if (
        outcome == CaseOutcome.UPHELD
        and case.kind == CaseKind.COMPLAINT
        and case.subject in FINDING_REQUIRED
        and not with_finding
    ):
        raise CaseError(
            _l(
                "An upheld complaint about a training centre or the directorate needs an audit "
                "finding: give the corrective action, who carries it out and by when."
            )
        )
    move(
        case,
        expected_status,
        CaseStatus.ASSIGNED,
        CaseStatus.DECIDED,
        outcome=outcome,
        outcome_reasons=reasons,
        decided_at=utcnow(),
    )
    details = {"outcome": outcome.value}
    if outcome == CaseOutcome.UPHELD and case.kind == CaseKind.APPEAL:
        if implied_rule(case) is not None:
            change = lifecycle.transition(
                case.expert,
                case.expert.held_level,
                actor=actor,
                reason=f"{_l('Appeal upheld')} (#{case.id}): {reasons}",
                case=case,
            ).change
            case.resulting_change_id = change.id
            db.session.flush()
            details["status_change_id"] = change.id
        if case.cpd_record is not None:
            _confirm_hours(case, actor)
            details["cpd_confirmed"] = case.cpd_record_id
    record_step(case, "decided", actor, **details)
    notices.tell(case, "decided")
    return case


def implied_rule(case):
    """The row of the table an upheld appeal takes now, or None when there is none."""
    change = case.status_change
    if change is None or case.expert.status != change.to_status:
        return None
    return IMPLIED.get(change.to_status)


def _confirm_hours(case, actor):
    """The refused CPD hours the appeal was about count after all: refused → approved, once
    (a conditional write, like every decision on a request)."""
    record = case.cpd_record
    update_once(
        case,
        sa.update(CpdRecord)
        .where(CpdRecord.id == record.id, CpdRecord.status == RequestStatus.REFUSED)
        .values(status=RequestStatus.APPROVED, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False),
        record,
    )
    record_event(
        "cpd.confirmed",
        actor=actor,
        object_type="expert",
        object_id=record.expert_id,
        details={"cpd_id": record.id, "hours": record.hours, "case_id": case.id},
    )


def close(case, *, actor, expected_status=CaseStatus.DECIDED):
    """decided → closed by its handler, once the decision is carried out; closing an
    upheld erasure request carries it out (registry/rights/erasure.py)."""
    _may_handle(case, actor)
    if case.handler_id != actor.id:
        raise CaseNotAllowed(_l("Only the officer to whom the case is assigned closes it."))
    move(case, expected_status, CaseStatus.DECIDED, CaseStatus.CLOSED, closed_at=utcnow())
    record_step(case, "closed", actor)
    notices.tell(case, "closed")
    if case.kind == CaseKind.ERASURE and case.outcome == CaseOutcome.UPHELD:
        from registry.rights.erasure import carry_out  # registry.rights builds on the cases

        carry_out(case, actor=actor)
    return case


def is_overdue(case, on):
    """Still waiting for the directorate after its due day."""
    return case.status in OPEN_CASE_STATUSES and case.due_on < on


def _may_handle(case, officer):
    if not can_handle_case(officer, case):
        raise CaseNotAllowed(
            _l(
                "Case #%(id)s must be handled by an officer who took no part in the decision "
                "appealed.",
                id=case.id,
            )
        )
