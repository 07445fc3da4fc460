"""What a case tells the people concerned, by mail, at each step.

`notice_for` builds the message (kind, recipient, outbox key, context): the services call
`tell`, and tests assert on what it was asked to send. `send` is the one place that queues
into the mail outbox of registry/mail (issue 14), in the caller's transaction; the texts
are templates/mail/<locale>/<kind>.txt, first line the subject.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    kind: str  # the mail template: templates/mail/<locale>/<kind>.txt
    key: str  # the outbox's idempotency key: one message per case and step
    to_address: str
    recipient: object = None  # the User, when the person has an account (their language)
    context: dict = field(default_factory=dict)


def notice_for(case, step):
    """The Notice of `step` ("received", "acknowledged", ...) to the person who appealed."""
    expert = case.expert
    return Notice(
        kind=f"case_{step}",
        key=f"case-{case.id}-{step}",
        to_address=expert.email,
        recipient=expert.user,
        context={
            "case_id": case.id,
            "case_kind": case.kind.value,
            "full_name": expert.full_name,
            "due_on": case.due_on,
            "outcome": case.outcome.value if case.outcome else None,
            "outcome_reasons": case.outcome_reasons,
            "handler": case.handler.full_name if case.handler else None,
        },
    )


def tell(case, step):
    """Queue the notice of `step`; returns the Notice."""
    notice = notice_for(case, step)
    send(notice)
    return notice


def send(notice):
    """Queue `notice` in the mail outbox (flushed with the caller's transaction).

    Wired at merge with issue 14: until registry.mail exists on this branch there is no
    outbox to queue into, and nothing is sent.
    """
    try:
        from registry.mail.outbox import queue_message
    except ImportError:  # the outbox of issue 14 is not merged yet
        return None
    return queue_message(
        notice.key,
        notice.kind,
        to_address=notice.to_address,
        recipient=notice.recipient,
        **notice.context,
    )
