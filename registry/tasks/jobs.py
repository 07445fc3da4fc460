"""The registry's tasks: batch issuance, daily expiry, reminders and retention, mail each
minute.

Each is safe to run again after being killed midway: batch issuance continues with what is
pending, expiry moves only experts still lapsed, reminders are keyed in the outbox, and
mail is committed message by message.
"""

import logging

from flask import current_app
from huey import crontab

from registry.audit.checkpoint import take_checkpoint
from registry.centres import import_jobs
from registry.certificates.batch import available_cpus
from registry.certificates.jobs import BatchJobError, open_job_ids, run_job
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import ExpertStatus
from registry.experts.lifecycle import LifecycleError, transition
from registry.experts.models import Expert
from registry.experts.renewal import lapsed_expert_ids
from registry.extensions import db
from registry.mail.notifications import (
    queue_expiry_reminders,
    queue_review_reminders,
    queue_weekly_digest,
)
from registry.mail.outbox import send_due
from registry.rights.retention import apply_retention
from registry.tasks import huey, periodic_task, task

log = logging.getLogger(__name__)


SEND_MAIL_LOCK = "send-mail"


def batch_job_lock(job_id):
    return f"batch-job-{job_id}"


def import_job_lock(job_id):
    return f"import-job-{job_id}"


def lock_names():
    """The task locks a killed worker may have left held, for the next worker to flush."""
    return [
        SEND_MAIL_LOCK,
        *(batch_job_lock(job_id) for job_id in open_job_ids()),
        *(import_job_lock(job_id) for job_id in import_jobs.open_import_job_ids()),
    ]


@task()
def run_import_job(job_id):
    """Import the file of import job `job_id` (again from the start if it was interrupted:
    the killed run's transaction was rolled back with it)."""
    with huey.lock_task(import_job_lock(job_id)):
        import_jobs.run_job(job_id)


@task()
def run_batch_job(job_id):
    """Issue the certificates of batch job `job_id` (resuming it if it was interrupted)."""
    # One run per job at a time; a lock left by a killed worker is flushed at its restart.
    with huey.lock_task(batch_job_lock(job_id)):
        processes = current_app.config["REGISTRY_BATCH_PROCESSES"] or available_cpus()
        try:
            run_job(job_id, workers=processes)
        except BatchJobError:
            log.info("batch job %s is no longer open", job_id)


@task()
def resume_open_work():
    """Put every job left open (e.g. by a killed worker) back on the queue, and send the
    mail that waited while no worker ran."""
    for job_id in open_job_ids():
        run_batch_job(job_id)
    for job_id in import_jobs.open_import_job_ids():
        run_import_job(job_id)
    send_mail()


def expire_lapsed(on):
    """Move every expert whose certificate validity ended before `on` to expired; returns
    (expired ids, [(id, message)] refused). One expert per transaction."""
    expired, refused = [], []
    for expert_id in lapsed_expert_ids(on):
        expert = db.session.get(Expert, expert_id)
        try:
            transition(expert, ExpertStatus.EXPIRED, actor=None)
        except LifecycleError as exc:  # changed meanwhile (e.g. renewed): the others still go
            db.session.rollback()
            refused.append((expert_id, str(exc)))
            continue
        db.session.commit()
        expired.append(expert_id)
    return expired, refused


# The queue keeps time in UTC; Viet Nam is UTC+7 all year.
@periodic_task(crontab(minute="5", hour="17"))
def daily_expiry():
    """Each night at 00:05 in Viet Nam: expire lapsed certificates."""
    expired, refused = expire_lapsed(local_day(utcnow()))
    log.info("expired %s expert(s); %s refused", len(expired), len(refused))


@periodic_task(crontab(minute="0", hour="1"))
def daily_reminders():
    """Each day at 08:00 in Viet Nam: expiry reminders (90, 30, 7 days) and suspensions due
    for review."""
    on = local_day(utcnow())
    queued = queue_expiry_reminders(on) + queue_review_reminders(on)
    db.session.commit()
    log.info("queued %s reminder(s)", queued)


@periodic_task(crontab(minute="0", hour="1", day_of_week="1"))
def weekly_queue_digest():
    """Each Monday at 08:00 in Viet Nam: every officer's digest of the work queues."""
    queued = queue_weekly_digest(local_day(utcnow()))
    db.session.commit()
    log.info("queued %s weekly digest(s)", queued)


@periodic_task(crontab(minute="30", hour="17"))
def daily_retention():
    """Each night at 00:30 in Viet Nam: the retention table (docs/retention.md), with the
    verification checks' addresses after 90 days and unconfirmed sign-ups among its rules."""
    removed = apply_retention(utcnow())
    db.session.commit()
    log.info("retention: %s", removed or "nothing due")


@periodic_task(crontab(minute="45", hour="17"))
def daily_audit_checkpoint():
    """Each night at 00:45 in Viet Nam: a signed checkpoint of the audit chain, kept outside
    the database (docs/audit.md)."""
    row, path = take_checkpoint()
    log.info("audit checkpoint %s written to %s", row.id, path)


@periodic_task(crontab(minute="*"))
def send_mail_each_minute():
    """Each minute: the mail that is due."""
    send_mail()


@task()
def send_mail():
    """Each minute: send the messages that are due (one sender at a time)."""
    with huey.lock_task(SEND_MAIL_LOCK):
        sent, failed = send_due()
    if sent or failed:
        log.info("mail: %s sent, %s failed attempt(s)", sent, failed)
