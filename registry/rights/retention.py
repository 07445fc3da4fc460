"""The retention table (docs/retention.md), applied: what is past its period goes.

`apply_retention` runs each rule in the caller's transaction and writes one audit event,
`retention.applied`, with how much each rule removed (none when nothing was due: a second
run changes nothing). Each rule selects only what is still there to remove, so a run killed
midway is rolled back and the next run does it all again; stored files are deleted before
the commit, and a file already gone is skipped.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from registry.audit.service import record_event
from registry.auth.email_links import delete_unconfirmed
from registry.auth.throttle import forget_stale_counters
from registry.cases.models import Case
from registry.certificates.verification import purge_check_addresses
from registry.clock import add_years, configured_days, local_day, local_day_start
from registry.database import utcnow
from registry.enums import CaseStatus, ExpertStatus, MessageStatus, RequestStatus
from registry.experts.models import AccreditationRequest, Expert
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.rights.erasure import REQUESTS, erase, remove_unreferenced

# A person whose certification ended (rejected, withdrawn, expired) this long ago keeps
# their certification records under a pseudonym only.
ENDED = (ExpertStatus.REJECTED, ExpertStatus.WITHDRAWN, ExpertStatus.EXPIRED)
# An uploaded import file is deleted when its job finishes; one left by a crash goes after
# a day (a younger one may belong to an upload still being recorded).
IMPORT_FILE_GRACE = timedelta(days=1)


def apply_retention(now=None):
    """Apply every rule of the retention table as of `now` (flushed, not committed);
    returns {rule: how many removed} for the rules that removed something."""
    now = now or utcnow()
    config = current_app.config
    removed = {
        "verification_check_addresses": purge_check_addresses(now),
        "unconfirmed_accounts": len(delete_unconfirmed(now, config["REGISTRY_UNCONFIRMED_DAYS"])),
        "sign_in_counters": forget_stale_counters(now),
        "mail_bodies": clear_mail_bodies(now - configured_days("REGISTRY_RETENTION_MAIL_DAYS")),
        "mail_to_erased_people": delete_mail_to_erased_people(),
        "refused_request_documents": drop_refused_documents(
            now - configured_days("REGISTRY_RETENTION_DOCUMENT_DAYS")
        ),
        "import_files": drop_import_leftovers(now - IMPORT_FILE_GRACE),
        "people_past_retention": erase_people_past_retention(now),
    }
    removed = {rule: count for rule, count in removed.items() if count}
    if removed:
        record_event(
            "retention.applied", actor=None, object_type="registry", details={"removed": removed}
        )
    db.session.flush()
    return removed


def clear_mail_bodies(cutoff):
    """Sent or failed messages queued before `cutoff` keep their header (who was told what,
    when) and lose their text."""
    return db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status != MessageStatus.PENDING,
            OutboxMessage.created_at < cutoff,
            sa.or_(OutboxMessage.body_text != "", OutboxMessage.body_html != ""),
        )
        .values(body_text="", body_html="")
        .execution_options(synchronize_session=False)
    ).rowcount


def delete_mail_to_erased_people():
    """The last notices of an erasure case go once they are sent (or given up)."""
    erased_accounts = sa.select(Expert.user_id).where(
        Expert.erased_at.is_not(None), Expert.user_id.is_not(None)
    )
    return db.session.execute(
        sa.delete(OutboxMessage)
        .where(
            OutboxMessage.status != MessageStatus.PENDING,
            OutboxMessage.recipient_id.in_(erased_accounts),
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def drop_refused_documents(cutoff):
    """Documents of requests refused before `cutoff` go, unless an appeal on the refusal is
    still open (its handler needs them)."""
    under_appeal = sa.select(Case.accreditation_request_id).where(
        Case.accreditation_request_id.is_not(None), Case.status != CaseStatus.CLOSED
    )
    paths, count = [], 0
    for model in REQUESTS:
        query = sa.select(model).where(
            model.status == RequestStatus.REFUSED,
            model.decided_at < cutoff,
            model.document_path.is_not(None),
        )
        if model is AccreditationRequest:
            query = query.where(model.id.not_in(under_appeal))
        for row in db.session.scalars(query):
            paths.append(row.document_path)
            row.document_name = row.document_path = row.document_sha256 = None
            count += 1
    db.session.flush()
    remove_unreferenced(paths)
    return count


def drop_import_leftovers(cutoff):
    """Uploaded import files no open job reads any more, older than `cutoff`."""
    from registry.centres.import_jobs import ImportJob, open_import_job_ids

    directory = Path(current_app.instance_path) / "imports"
    if not directory.is_dir():
        return 0
    open_ids = open_import_job_ids()
    in_use = set(
        db.session.scalars(sa.select(ImportJob.stored_name).where(ImportJob.id.in_(open_ids)))
    )
    deleted = 0
    for path in directory.iterdir():
        if not path.is_file() or path.name in in_use:
            continue
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) >= cutoff:
            continue
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted


def erase_people_past_retention(now):
    """People whose certification ended more than REGISTRY_RETENTION_RECORD_YEARS ago, with
    no case open, keep only pseudonymised records."""
    day = add_years(local_day(now), -current_app.config["REGISTRY_RETENTION_RECORD_YEARS"])
    cutoff = local_day_start(day)
    open_case = sa.select(Case.id).where(
        Case.expert_id == Expert.id, Case.status != CaseStatus.CLOSED
    )
    experts = db.session.scalars(
        sa.select(Expert)
        .where(
            Expert.erased_at.is_(None),
            Expert.status.in_(ENDED),
            Expert.status_changed_at < cutoff,
            ~sa.exists(open_case),
        )
        .order_by(Expert.id)
    ).all()
    for expert in experts:
        erase(expert, actor=None)
    return len(experts)
