"""Erasure of a person's data (Law No. 91/2025/QH15), as far as certification records allow
(ISO/IEC 17024 7.1).

The person asks from /me/data; the request is a case (registry/cases: received →
acknowledged → assigned → decided → closed, each step audited and mailed). An officer
decides it; an upheld request is carried out when its handler closes the case
(`carry_out`, called by registry/cases/appeals.close), never otherwise. A certificate still
valid or suspended is first withdrawn through the transition table, at the holder's
request; an open application is rejected through it. Then `erase` removes what the law
allows and pseudonymises what certification records keep (docs/retention.md).

Audit events are never rewritten (their chain must still verify): the events written
before an erasure keep what they held (an actor's address, a corrected name) for the
audit log's retention, readable by the directorate and auditors only; `rights.erased`
records that the person behind `expert <id>` had their data erased, with counts only.
"""

from collections import Counter

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.models import ApiToken
from registry.cases import notices
from registry.cases.models import Case, CaseDocument
from registry.cases.service import CaseError, CaseNotAllowed, paragraphs, record_step
from registry.clock import configured_days, local_day
from registry.database import utcnow
from registry.enums import (
    CERTIFIED_LEVELS,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ExpertStatus,
    MessageStatus,
    PublicReason,
    RequestStatus,
)
from registry.experts import lifecycle
from registry.experts.models import AccreditationRequest, CpdRecord, NameChangeRequest
from registry.experts.uploads import UploadRefused, evidence_path
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.permissions import is_the_expert

MAX_GROUNDS = 2000
# What an erased row holds instead of the person's words.
BLANK = "—"
# The person's requests, each with a stored document.
REQUESTS = (NameChangeRequest, CpdRecord, AccreditationRequest)

# What erasure removes, and what it keeps with the reason (shown to the person before they
# ask, on their case and in docs/retention.md).
ERASED = (
    _l("your contact data: email address, phone, organisation"),
    _l("your name and your day and month of birth on your record and certificates"),
    _l("your account: it is disabled and its address removed; your API tokens are deleted"),
    _l("documents no decision relied on (name corrections, refused or pending requests)"),
    _l("your public-listing consent and the mail sent to you"),
)
KEPT = (
    (
        _l("certification decisions, your status history and the certificates issued"),
        _l(
            "ISO/IEC 17024 (7.1) requires the certification body to keep the records of "
            "each certification; they are kept under a pseudonym."
        ),
    ),
    (
        _l("exam results, training completions, CPD and accreditation evidence relied on"),
        _l("the decisions rest on them and an assessor must be able to check them (7.1)."),
    ),
    (
        _l("the archived certificate PDF and its signed credential"),
        _l(
            "they are the certificates as issued and cannot be altered; only the "
            "directorate and auditors can open them."
        ),
    ),
    (
        _l("your appeals and this request"),
        _l("appeals and requests are kept on record with their outcome (9.8)."),
    ),
    (
        _l("the audit log"),
        _l(
            "it proves what happened and cannot be rewritten; only the directorate and auditors read it."
        ),
    ),
)
# The officer's note on the withdrawal or rejection an erasure leads to.
ERASURE_REASON = _l("Erasure of personal data at the holder's request")
# What a person holding a certificate is told before asking.
WITHDRAWAL_NOTICE = _l(
    "You hold a certificate. A certified person must be on record with their identity for as "
    "long as the certificate can be relied on, so erasure first withdraws it at your request "
    "(verification will show it as withdrawn, at the holder's request). To leave the public "
    "register only, untick the listing consent instead."
)


def pseudonym(expert):
    """What an erased person's name becomes: stable, and naming nobody."""
    return f"Ẩn danh #{expert.id}"


def holds_certificate(expert):
    return expert.status in (*CERTIFIED_LEVELS, ExpertStatus.SUSPENDED)


def open_request(expert):
    """The person's erasure case still open (not closed), or None."""
    return db.session.scalar(
        sa.select(Case).where(
            Case.expert_id == expert.id,
            Case.kind == CaseKind.ERASURE,
            Case.status != CaseStatus.CLOSED,
        )
    )


def request_erasure(expert, *, actor, grounds=None, accept_withdrawal=False):
    """The person asks for erasure of their data: a case, received and acknowledged by mail
    on the next steps. Returns the Case."""
    if not is_the_expert(actor, expert):
        raise CaseNotAllowed(_l("Only the person concerned may ask for erasure of their data."))
    if expert.erased_at is not None:
        raise CaseError(_l("Your data has already been erased."))
    if open_request(expert) is not None:
        raise CaseError(_l("You have already asked for erasure; the request is being handled."))
    if holds_certificate(expert) and not accept_withdrawal:
        raise CaseError(
            _l("Confirm that your certificate is withdrawn before your data is erased.")
        )
    now = utcnow()
    case = Case(
        kind=CaseKind.ERASURE,
        status=CaseStatus.RECEIVED,
        expert_id=expert.id,
        # The address the case's mail goes to, cleared when the data is erased.
        contact_name=expert.full_name,
        contact_email=expert.email,
        grounds=paragraphs(grounds) or BLANK,
        filed_by_id=actor.id,
        received_at=now,
        confirmed_at=now,  # asked from the person's own account
        due_on=local_day(now) + configured_days("REGISTRY_CASE_ACKNOWLEDGE_DAYS"),
    )
    db.session.add(case)
    db.session.flush()
    record_step(case, "received", actor, holds_certificate=holds_certificate(expert))
    notices.tell(case, "received")
    return case


def carry_out(case, *, actor):
    """Erase the data of an erasure case decided in the person's favour, as its handler
    closes it: a held certificate is withdrawn (an open application rejected) through the
    transition table first. Returns what `erase` removed."""
    if not (
        case.kind == CaseKind.ERASURE
        and case.outcome == CaseOutcome.UPHELD
        and case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED)
        and case.handler_id is not None
        and case.handler_id == getattr(actor, "id", None)
    ):
        raise CaseNotAllowed(
            _l("Personal data is erased only by the handler of an erasure request upheld.")
        )
    expert = case.expert
    other = db.session.scalar(
        sa.select(sa.func.min(Case.id)).where(
            Case.expert_id == expert.id,
            Case.id != case.id,
            Case.confirmed_at.is_not(None),  # an unconfirmed complaint is no case yet
            Case.status != CaseStatus.CLOSED,
        )
    )
    if other is not None:
        # Its answers would go to an address that no longer exists.
        raise CaseError(
            _l(
                "Case #%(id)s about this person is still open: close it first, so that its "
                "outcome reaches them, then close this request.",
                id=other,
            )
        )
    _end_certification(expert, case, actor)
    return erase(expert, actor=actor, case=case)


def _end_certification(expert, case, actor):
    """Withdraw a held certificate, or reject an open application, through the table."""
    reason = f"{ERASURE_REASON} (#{case.id})"
    try:
        if holds_certificate(expert):
            lifecycle.transition(
                expert,
                ExpertStatus.WITHDRAWN,
                actor=actor,
                reason=reason,
                evidence={"reason_code": PublicReason.AT_HOLDERS_REQUEST.value},
            )
        elif expert.status == ExpertStatus.APPLIED:
            lifecycle.transition(expert, ExpertStatus.REJECTED, actor=actor, reason=reason)
    except lifecycle.LifecycleError as exc:
        raise CaseError(str(exc)) from exc


def erase(expert, *, actor, case=None):
    """Remove the person's data the law lets go and pseudonymise what certification
    records keep (flushed, not committed); audited as `rights.erased` with counts only.
    Returns the counts ({} when the data was already erased)."""
    if expert.erased_at is not None:
        return {}
    removed = Counter(people=1)
    name = pseudonym(expert)
    old_email, user = expert.email, expert.user
    paths = _erase_requests(expert, name, removed)
    expert.full_name = name
    expert.email = f"expert-{expert.id}@erased.invalid"
    expert.phone = None
    expert.organisation = BLANK
    expert.consent_public_listing = False
    expert.date_of_birth = expert.date_of_birth.replace(month=1, day=1)
    expert.erased_at = utcnow()
    for certificate in expert.certificates:
        certificate.holder_name = name
    cases = db.session.scalars(sa.select(Case).where(Case.expert_id == expert.id)).all()
    for item in cases:
        if item.kind == CaseKind.ERASURE:
            item.contact_name = item.contact_email = None
    if user is not None:
        for item in db.session.scalars(sa.select(Case).where(Case.filed_by_id == user.id)):
            if item.kind == CaseKind.COMPLAINT:  # complaints they made about others
                item.contact_name, item.contact_email = name, expert.email
        removed["api_tokens"] = db.session.execute(
            sa.delete(ApiToken).where(ApiToken.user_id == user.id)
        ).rowcount
        user.active = False
        user.email = f"user-{user.id}@erased.invalid"
        user.full_name = name
        user.password_hash = user.totp_secret = user.locale = None
        user.reminders_off = True
        user.rotate_session_token()
    # Mail already sent goes; mail still waiting (this case's last notices) is delivered,
    # then the retention task removes it (docs/retention.md).
    mine = [OutboxMessage.to_address == old_email]
    if user is not None:
        mine.append(OutboxMessage.recipient_id == user.id)
    removed["messages"] = db.session.execute(
        sa.delete(OutboxMessage).where(sa.or_(*mine), OutboxMessage.status != MessageStatus.PENDING)
    ).rowcount
    db.session.flush()
    removed["files"] = remove_unreferenced(paths)
    counts = {key: value for key, value in sorted(removed.items()) if value}
    record_event(
        "rights.erased",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={"case_id": getattr(case, "id", None), "removed": counts},
    )
    return counts


def _erase_requests(expert, name, removed):
    """Pending requests go; documents no decision relied on go; names in name corrections
    become the pseudonym. Returns the stored paths let go."""
    appealed = set(
        db.session.scalars(
            sa.select(Case.accreditation_request_id).where(
                Case.expert_id == expert.id, Case.accreditation_request_id.is_not(None)
            )
        )
    )
    paths = []
    for model in REQUESTS:
        rows = db.session.scalars(sa.select(model).where(model.expert_id == expert.id)).all()
        for row in rows:
            if row.status == RequestStatus.PENDING:
                paths.append(row.document_path)
                db.session.delete(row)
                removed["pending_requests"] += 1
                continue
            if model is NameChangeRequest:
                row.old_name = row.new_name = name
                row.reason = BLANK
            relied_on = (
                model is not NameChangeRequest and row.status == RequestStatus.APPROVED
            ) or (row.id in appealed and model is AccreditationRequest)
            if row.document_path and not relied_on:
                paths.append(row.document_path)
                row.document_name = row.document_path = row.document_sha256 = None
                removed["documents"] += 1
    return [p for p in paths if p]


def remove_unreferenced(paths):
    """Delete each stored document no row names any more (a file is stored once per
    content, so two requests may share it); returns how many were deleted."""
    deleted = 0
    for path in sorted(set(paths)):
        if _referenced(path):
            continue
        try:
            target = evidence_path(path)
        except UploadRefused:
            continue
        if target.is_file():
            target.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _referenced(path):
    columns = (*(model.document_path for model in REQUESTS), CaseDocument.path)
    return any(db.session.scalar(sa.select(sa.exists().where(c == path))) for c in columns)
