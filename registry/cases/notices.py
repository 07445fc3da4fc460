"""What a case tells the people concerned, by mail, at each step.

`notice_for` builds the message (kind, recipient, outbox key, context): the services call
`tell`, and tests assert on what it was asked to send. `send` is the one place that queues
into the mail outbox of registry/mail (issue 14), in the caller's transaction; the texts
are templates/mail/<locale>/<kind>.txt, first line the subject.
"""

from dataclasses import dataclass, field

from registry.clock import local_day
from registry.enums import CaseKind
from registry.mail.outbox import queue_message


@dataclass(frozen=True)
class Notice:
    kind: str  # the mail template: templates/mail/<locale>/<kind>.txt
    key: str  # the outbox's idempotency key: one message per case and step
    to_address: str
    recipient: object = None  # the User, when the person has an account (their language)
    context: dict = field(default_factory=dict)


def _notice(case, kind, step, person, **context):
    """The Notice `kind` of `step` of `case` to `person`: (name, address, User or None)."""
    name, address, account = person
    return Notice(
        kind=kind,
        key=f"case-{case.id}-{step}",
        to_address=address,
        recipient=account,
        context={"case_id": case.id, "full_name": name, **context},
    )


def _expert(case):
    """The expert the case is about, as _notice names a person."""
    return case.expert.full_name, case.expert.email, case.expert.user


def _complainant(case):
    """Who filed a complaint (or an erasure request), at the case's contact address."""
    return case.contact_name, case.contact_email, case.filed_by


def notice_for(case, step):
    """The Notice of `step` ("received", "acknowledged", ...) to the person who filed the
    case: the expert who appealed, or the complainant at their confirmed address."""
    return _notice(
        case,
        f"{case.kind.value}_{step}",
        step,
        _expert(case) if case.kind == CaseKind.APPEAL else _complainant(case),
        due_on=case.due_on,
        outcome=case.outcome.value if case.outcome else None,
        outcome_reasons=case.outcome_reasons,
        handler=case.handler.full_name if case.handler else None,
    )


def confirmation_notice(case, link):
    """The mail asking a complainant to confirm their address by following `link`."""
    return _notice(case, "complaint_confirm", "confirm", _complainant(case), link=link)


def subject_notice(case):
    """What the expert complained about is told once the complaint is decided: that there
    was a complaint, its outcome, and that the rules let them answer and appeal."""
    outcome = case.outcome.value if case.outcome else None
    return _notice(case, "complaint_about_you", "subject", _expert(case), outcome=outcome)


def measure_notice(case, change, appeal_period):
    """What the expert complained about is told when the complaint led to a suspension or a
    withdrawal: that it follows complaint #id, that they may answer it, and until when they
    may appeal the decision (the decision's own notice comes from the table's row)."""
    return _notice(
        case,
        "complaint_measure",
        "measure",
        _expert(case),
        to_status=change.to_status.value,
        appeal_days=appeal_period.days,
        last_day=local_day(change.created_at) + appeal_period,
    )


def tell(case, step):
    """Queue the notice of `step` to whoever filed the case (and, for a decided complaint
    about an expert, the notice to that expert)."""
    send(notice_for(case, step))
    if step == "decided" and case.kind == CaseKind.COMPLAINT and case.expert is not None:
        send(subject_notice(case))


def send(notice):
    """Queue `notice` in the mail outbox (flushed with the caller's transaction)."""
    return queue_message(
        notice.key,
        notice.kind,
        to_address=notice.to_address,
        recipient=notice.recipient,
        **notice.context,
    )
