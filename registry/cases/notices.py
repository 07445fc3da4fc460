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


def notice_for(case, step):
    """The Notice of `step` ("received", "acknowledged", ...) to the person who filed the
    case: the expert who appealed, or the complainant at their confirmed address."""
    if case.kind == CaseKind.APPEAL:
        name, address, account = case.expert.full_name, case.expert.email, case.expert.user
    else:
        name, address, account = case.contact_name, case.contact_email, case.filed_by
    return Notice(
        kind=f"{case.kind.value}_{step}",
        key=f"case-{case.id}-{step}",
        to_address=address,
        recipient=account,
        context={
            "case_id": case.id,
            "full_name": name,
            "due_on": case.due_on,
            "outcome": case.outcome.value if case.outcome else None,
            "outcome_reasons": case.outcome_reasons,
            "handler": case.handler.full_name if case.handler else None,
        },
    )


def confirmation_notice(case, link):
    """The mail asking a complainant to confirm their address by following `link`."""
    return Notice(
        kind="complaint_confirm",
        key=f"case-{case.id}-confirm",
        to_address=case.contact_email,
        recipient=case.filed_by,
        context={"case_id": case.id, "full_name": case.contact_name, "link": link},
    )


def subject_notice(case):
    """What the expert complained about is told once the complaint is decided: that there
    was a complaint, its outcome, and that the rules let them answer and appeal."""
    expert = case.expert
    return Notice(
        kind="complaint_about_you",
        key=f"case-{case.id}-subject",
        to_address=expert.email,
        recipient=expert.user,
        context={
            "case_id": case.id,
            "full_name": expert.full_name,
            "outcome": case.outcome.value if case.outcome else None,
        },
    )


def measure_notice(case, change, appeal_period):
    """What the expert complained about is told when the complaint led to a suspension or a
    withdrawal: that it follows complaint #id, that they may answer it, and until when they
    may appeal the decision (the decision's own notice comes from the table's row)."""
    expert = case.expert
    return Notice(
        kind="complaint_measure",
        key=f"case-{case.id}-measure",
        to_address=expert.email,
        recipient=expert.user,
        context={
            "case_id": case.id,
            "full_name": expert.full_name,
            "to_status": change.to_status.value,
            "appeal_days": appeal_period.days,
            "last_day": local_day(change.created_at) + appeal_period,
        },
    )


def tell(case, step):
    """Queue the notice of `step` to whoever filed the case (and, for a decided complaint
    about an expert, the notice to that expert); returns the Notice to the filer."""
    notice = notice_for(case, step)
    send(notice)
    if step == "decided" and case.kind == CaseKind.COMPLAINT and case.expert is not None:
        send(subject_notice(case))
    return notice


def send(notice):
    """Queue `notice` in the mail outbox (flushed with the caller's transaction)."""
    return queue_message(
        notice.key,
        notice.kind,
        to_address=notice.to_address,
        recipient=notice.recipient,
        **notice.context,
    )
