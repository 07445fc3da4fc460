"""Complaints (ISO/IEC 17024 9.9): anyone, signed in or not, complains about a certified
person, a training centre or the directorate's own handling.

A complaint is filed unconfirmed; a signed link sent to its contact address confirms it
once (the link carries a nonce the confirmation clears), and only then does it enter the
officers' queue and its deadline run. From there it lives as an appeal does
(registry/cases/appeals.py: acknowledge, assign, decide, close), with two things of its own:

- deciding it upheld, the handler records an audit finding with a corrective action (who
  must act, by when; registry/audit/findings.py), required when the complaint is about a
  training centre or the directorate;
- a complaint about a certified person can lead its handler to the suspension (or the
  withdrawal) decision of the transition table, the case linked: the history row records
  the case, the case its resulting change, and the person is told what the rules require.
"""

import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from registry.audit.findings import AuditError, add_finding, checked_action
from registry.cases import appeals, notices
from registry.cases.models import Case
from registry.cases.service import CaseError, CaseNotAllowed, paragraphs, record_step, update_once
from registry.centres.models import TrainingCentre
from registry.certificates.models import Certificate
from registry.clock import configured_days, local_day
from registry.database import utcnow
from registry.enums import (
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ComplaintSubject,
    ExpertStatus,
    FindingResult,
)
from registry.extensions import db
from registry.permissions import can_handle_case
from registry.text import clean_email, clean_text

# A confirmation link older than this no longer confirms (the complaint stays unconfirmed).
CONFIRMATION_MAX_AGE = 7 * 24 * 3600
_SALT = "registry.complaint-confirmation"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def find_subject(subject, reference):
    """(expert_id, centre_id) for whom a complaint is about, or a CaseError saying why not.

    An expert is named by a certificate number (what the public can read); a centre by its
    code; the directorate by nothing."""
    subject = ComplaintSubject(subject)
    reference = clean_text(reference) or ""
    if subject == ComplaintSubject.EXPERT:
        expert_id = db.session.scalar(
            sa.select(Certificate.expert_id).where(Certificate.number == reference.upper())
        )
        if expert_id is None:
            raise CaseError(_l("No certificate has the number %(number)s.", number=reference))
        return expert_id, None
    if subject == ComplaintSubject.CENTRE:
        centre_id = db.session.scalar(
            sa.select(TrainingCentre.id).where(TrainingCentre.code == reference.upper())
        )
        if centre_id is None:
            raise CaseError(_l("No training centre has the code %(code)s.", code=reference))
        return None, centre_id
    return None, None


def file_complaint(*, subject, reference, contact_name, contact_email, grounds, actor=None):
    """A new complaint, unconfirmed; the confirmation mail is queued. Returns the Case."""
    expert_id, centre_id = find_subject(subject, reference)
    contact_email, contact_name = clean_email(contact_email), clean_text(contact_name)
    grounds = paragraphs(grounds)
    if not (contact_email and contact_name and grounds):
        raise CaseError(_l("Give your name, your email address and what the complaint is about."))
    now = utcnow()
    case = Case(
        kind=CaseKind.COMPLAINT,
        status=CaseStatus.RECEIVED,
        subject=ComplaintSubject(subject),
        expert_id=expert_id,
        centre_id=centre_id,
        contact_name=contact_name[:200],
        contact_email=contact_email[:254],
        confirmation_nonce=secrets.token_hex(16),
        grounds=grounds,
        filed_by_id=getattr(actor, "id", None),
        received_at=now,
        due_on=local_day(now) + configured_days("REGISTRY_CASE_ACKNOWLEDGE_DAYS"),
    )
    db.session.add(case)
    db.session.flush()
    record_step(case, "filed", actor, subject=case.subject.value, centre_id=centre_id)
    notices.send(notices.confirmation_notice(case, confirmation_link(case)))
    return case


def confirmation_token(case):
    return _serializer().dumps({"case": case.id, "nonce": case.confirmation_nonce})


def confirmation_link(case):
    """The link in the mail, on the registry's public address (also outside a request)."""
    base = current_app.config["REGISTRY_PUBLIC_URL"].rstrip("/")
    return f"{base}/complaints/confirm/{confirmation_token(case)}"


def confirm(token):
    """Confirm the complaint the token names (once); its deadline starts now. Returns it."""
    try:
        data = _serializer().loads(token, max_age=CONFIRMATION_MAX_AGE)
    except SignatureExpired as exc:
        raise CaseError(_l("This confirmation link has expired.")) from exc
    except BadSignature as exc:
        raise CaseError(_l("This confirmation link is not valid.")) from exc
    case = db.session.get(Case, data.get("case"))
    nonce = data.get("nonce")
    if case is None or nonce is None:
        raise CaseError(_l("This confirmation link is not valid."))
    now = utcnow()
    # The nonce is cleared in the same conditional write: a second use matches no row.
    rows = db.session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.confirmation_nonce == nonce)
        .values(
            confirmation_nonce=None,
            confirmed_at=now,
            due_on=local_day(now) + configured_days("REGISTRY_CASE_ACKNOWLEDGE_DAYS"),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        raise CaseError(_l("This confirmation link has already been used."))
    db.session.refresh(case)
    record_step(case, "received", None)
    notices.tell(case, "received")
    return case


# The decisions of the transition table a complaint about a certified person may lead to.
MEASURES = (ExpertStatus.SUSPENDED, ExpertStatus.WITHDRAWN)


def decide(
    case,
    outcome,
    *,
    actor,
    reasons,
    expected_status=CaseStatus.ASSIGNED,
    corrective_action=None,
    action_owner=None,
    due_on=None,
):
    """Decide a complaint (appeals.decide), with the audit finding it leads to: a
    nonconformity whose corrective action is `corrective_action`, carried out by the centre
    complained about or by `action_owner`, by `due_on`. Everything is checked before
    anything is written. Returns the AuditFinding, or None."""
    checked, reasons = appeals.check_decision(case, outcome, actor=actor, reasons=reasons)
    corrective_action, action_owner = clean_text(corrective_action), clean_text(action_owner)
    wanted = bool(corrective_action or action_owner or due_on)
    if wanted:
        if checked != CaseOutcome.UPHELD:
            raise CaseError(_l("Only an upheld complaint leads to an audit finding."))
        try:
            checked_action(FindingResult.NONCONFORMING, corrective_action, due_on)
        except AuditError as exc:
            raise CaseError(exc.args[0]) from exc
        if case.centre_id is None and not action_owner:
            raise CaseError(_l("Say who must carry out the corrective action."))
    # appeals.decide refuses an upheld complaint about a centre or the directorate without
    # a finding (FINDING_REQUIRED).
    appeals.decide(
        case,
        outcome,
        actor=actor,
        reasons=reasons,
        expected_status=expected_status,
        with_finding=wanted,
    )
    if not wanted:
        return None
    finding = add_finding(
        recorded_by=actor,
        result=FindingResult.NONCONFORMING,
        note=reasons,
        corrective_action=corrective_action,
        due_on=due_on,
        case=case,
        centre_id=case.centre_id,
        action_owner=action_owner[:300] if action_owner else None,
    )
    record_step(case, "finding", actor, finding_id=finding.id, due_on=due_on.isoformat())
    return finding


def check_measure(case, expert, to_status, actor):
    """Whether `actor` may take the decision leading `expert` to `to_status` from `case`:
    a complaint about that person, handled by `actor`, not dismissed nor closed, that led to
    no change yet. Raises a CaseError saying why not."""
    if case.kind != CaseKind.COMPLAINT or case.expert_id != expert.id:
        raise CaseError(_l("Case #%(id)s is not a complaint about this person.", id=case.id))
    if to_status not in MEASURES:
        raise CaseError(_l("A complaint leads only to a suspension or a withdrawal."))
    if case.handler_id is None or case.handler_id != actor.id or not can_handle_case(actor, case):
        raise CaseNotAllowed(
            _l("Only the officer to whom case #%(id)s is assigned acts on it.", id=case.id)
        )
    if case.status not in (CaseStatus.ASSIGNED, CaseStatus.DECIDED):
        raise CaseError(_l("Case #%(id)s is closed: it leads to no further decision.", id=case.id))
    if case.outcome == CaseOutcome.DISMISSED:
        raise CaseError(_l("Case #%(id)s was dismissed: it leads to no measure.", id=case.id))
    if case.resulting_change_id is not None:
        raise CaseError(_l("Case #%(id)s already led to a change of status.", id=case.id))


def record_measure(case, change, actor):
    """After the table took the decision `change` (lifecycle.transition with the case):
    the case records it, once, and the person complained about is told what the rules
    require."""
    update_once(
        case,
        sa.update(Case)
        .where(Case.id == case.id, Case.resulting_change_id.is_(None))
        .values(resulting_change_id=change.id)
        .execution_options(synchronize_session=False),
    )
    record_step(case, "measure", actor, status_change_id=change.id, to=change.to_status.value)
    notices.send(notices.measure_notice(case, change, appeals.appeal_period()))
