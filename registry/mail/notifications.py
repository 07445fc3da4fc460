"""What the registry tells people, and when: queued in the outbox with the change itself.

Each row of the transition table names the message the expert receives (its `notice`);
`notify_transition` queues it once at the end of every transition.
Reminders (expiry, suspension reviews) are queued by the daily task and can be turned off
by the person (User.reminders_off); decisions always go out. Every message has a key of
kind and subject, unique in the outbox, so it is queued once whatever re-runs.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from registry.auth.models import User
from registry.certificates.models import Certificate
from registry.enums import CERTIFIED_LEVELS, CertificateStatus, ExpertStatus, Role
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.mail.outbox import queue_message, queue_messages

# Days before a certificate's end at which its holder is reminded (largest first).
EXPIRY_REMINDER_DAYS = (90, 30, 7)


def _expert_account(expert):
    return db.session.get(User, expert.user_id) if expert.user_id else None


def notify_transition(result, kind):
    """Queue message `kind` (the row's notice) to the expert about a TransitionResult (once)."""
    if kind is None:
        return None
    change = result.change
    return queue_message(
        **_change_message(result.expert, change.id, change.to_status, kind, result.certificate)
    )


def notify_changes(changes, kind):
    """notify_transition for many (expert, change_id, to_status) at once (no certificates)."""
    if kind is None:
        return 0
    changes = list(changes)
    user_ids = sorted({expert.user_id for expert, _c, _s in changes if expert.user_id})
    accounts = {}
    for start in range(0, len(user_ids), 500):  # the recipients' languages, not one by one
        chunk = user_ids[start : start + 500]
        accounts.update(
            (u.id, u) for u in db.session.scalars(sa.select(User).where(User.id.in_(chunk)))
        )
    return queue_messages(
        _change_message(expert, change_id, to_status, kind, account=accounts.get(expert.user_id))
        for expert, change_id, to_status in changes
    )


def _change_message(expert, change_id, to_status, kind, certificate=None, account=None):
    return {
        "key": f"{kind}:status_change:{change_id}",
        "kind": kind,
        "to_address": expert.email,
        "recipient": account or _expert_account(expert),
        "full_name": expert.full_name,
        "status": to_status.value,
        "certificate": certificate and _certificate_context(certificate),
    }


def notify_name_corrected(expert, request):
    """The expert's name was corrected; the certificates were reissued in the new name."""
    return queue_message(
        f"name_corrected:name_change_request:{request.id}",
        "name_corrected",
        to_address=expert.email,
        recipient=_expert_account(expert),
        full_name=expert.full_name,
    )


def _certificate_context(certificate):
    base = current_app.config["REGISTRY_PUBLIC_URL"].rstrip("/")
    return {
        "number": certificate.number,
        "valid_until": certificate.valid_until,
        "link": f"{base}/certificates/{certificate.number}.pdf",
    }


def queue_expiry_reminders(on):
    """Remind holders of valid certificates ending within 90, 30 and 7 days; returns the count.

    A certificate is in the window of the smallest number of days it is within, so a daily
    run that was missed catches up, and each window's message is queued once.
    """
    from registry.experts.guards import cpd_hours

    minimum = current_app.config["REGISTRY_CPD_MIN_HOURS"]
    rows = db.session.execute(
        sa.select(Certificate, Expert)
        .join(Expert, Expert.id == Certificate.expert_id)
        .where(
            Certificate.status == CertificateStatus.VALID,
            Certificate.valid_until >= on,
            Certificate.valid_until <= on + timedelta(days=max(EXPIRY_REMINDER_DAYS)),
            Expert.status.in_(CERTIFIED_LEVELS),
        )
        .order_by(Certificate.id)
    ).all()
    queued = 0
    for certificate, expert in rows:
        account = _expert_account(expert)
        if account is not None and account.reminders_off:
            continue
        days_left = (certificate.valid_until - on).days
        window = min(d for d in EXPIRY_REMINDER_DAYS if days_left <= d)
        hours = cpd_hours(expert, certificate.issued_on, on)
        message = queue_message(
            f"expiry_{window}:certificate:{certificate.id}",
            "expiry_reminder",
            to_address=expert.email,
            recipient=account,
            full_name=expert.full_name,
            certificate=_certificate_context(certificate),
            days_left=days_left,
            cpd_hours=hours,
            cpd_minimum=minimum,
            cpd_missing=max(0, minimum - hours),
        )
        queued += message is not None
    return queued


def queue_review_reminders(on):
    """Tell every officer (who has not turned reminders off) of suspensions due for review."""
    from registry.experts.progress import review_date

    officers = db.session.scalars(
        sa.select(User).where(
            User.role == Role.OFFICER, User.active.is_(True), User.reminders_off.is_(False)
        )
    ).all()
    suspended = db.session.scalars(
        sa.select(Expert).where(Expert.status == ExpertStatus.SUSPENDED).order_by(Expert.id)
    ).all()
    queued = 0
    for expert in suspended:
        day = review_date(expert)
        if day is None or day > on:
            continue
        change_id = db.session.scalar(
            sa.select(sa.func.max(StatusChange.id)).where(StatusChange.expert_id == expert.id)
        )
        for officer in officers:
            message = queue_message(
                f"review_due:status_change:{change_id}:user:{officer.id}",
                "review_due",
                to_address=officer.email,
                recipient=officer,
                expert_id=expert.id,
                expert_name=expert.full_name,
                review_on=day,
            )
            queued += message is not None
    return queued


def queue_weekly_digest(on):
    """Each officer's weekly digest: how many items wait in each work queue (once a week)."""
    from registry.directorate.queues import QUEUES, counts

    year, week, _day = on.isocalendar()
    waiting = [(QUEUES[name], count) for name, count in counts(db.session, on).items() if count]
    officers = db.session.scalars(
        sa.select(User).where(User.role == Role.OFFICER, User.active.is_(True))
    ).all()
    return queue_messages(
        {
            "key": f"queue_digest:{year}-W{week:02d}:user:{officer.id}",
            "kind": "queue_digest",
            "to_address": officer.email,
            "recipient": officer,
            "waiting": waiting,
        }
        for officer in officers
    )
