"""Expert accounts and their application profile: sign-up, profile edits, name corrections."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.email_links import send_confirmation
from registry.auth.models import User
from registry.auth.passwords import password_problem
from registry.certificates.models import CertificateCounter
from registry.certificates.service import issue_certificate
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import CertificateStatus, ExpertStatus, RequestStatus, Role
from registry.experts import guards
from registry.experts import profile as profiles
from registry.experts.lifecycle import (
    Conflict,
    IncompleteRequest,
    NotAllowed,
    TransitionRefused,
    conditional_write,
    failed_checks_refusal,
)
from registry.experts.models import NameChangeRequest
from registry.experts.uploads import UploadRefused, store_evidence
from registry.extensions import db
from registry.mail.notifications import notify_name_corrected
from registry.permissions import (
    can_decide_certification,
    can_edit_application,
    can_request_name_change,
)
from registry.text import clean_email, clean_text, search_key


def sign_up(*, email, full_name, password):
    """Create an expert account (self-service); refuses an email already registered."""
    email = clean_email(email)
    full_name = clean_text(full_name)
    if not email or not full_name:
        raise IncompleteRequest(_l("Give your email, your full name and a password."))
    problem = password_problem(password, full_name=full_name, email=email)
    if problem:
        raise IncompleteRequest(problem)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise TransitionRefused(
            _l("An account with this email already exists. Sign in, or ask for a password reset.")
        )
    # Unconfirmed until the mailed link is opened: anyone can type someone else's email.
    user = User(email=email, full_name=full_name, role=Role.EXPERT, email_confirmed_at=None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("auth.signed_up", actor=user, object_type="user", object_id=user.id)
    send_confirmation(user)
    return user


def update_profile(expert, profile, *, actor, expected_version=None):
    """Change the application's profile; only while the expert is `applied`."""
    if not can_edit_application(actor, expert):
        raise NotAllowed(_l("Only the applicant or an officer may edit this application."))
    if expert.status != ExpertStatus.APPLIED:
        raise TransitionRefused(
            _l(
                "The profile can be edited only while the application is open (applied). To correct a name now, request a name change."
            )
        )
    data, invalid = profiles.clean_profile(profile, local_day(utcnow()))
    if expert.user is not None:
        data["email"] = expert.user.email  # tied to the account
    checks = [
        *profiles.profile_checks(data, invalid),
        profiles.duplicate_check(
            data["email"], data["full_name"], data["date_of_birth"], expert.id
        ),
    ]
    if not all(c.ok for c in checks):
        raise failed_checks_refusal(checks, _l("The profile was not saved. Missing: %(missing)s."))
    changed = sorted(key for key, value in data.items() if getattr(expert, key) != value)
    version = expert.version if expected_version is None else int(expected_version)
    data["name_key"] = search_key(data["full_name"])
    conditional_write(expert, version, where_status=ExpertStatus.APPLIED, **data)
    record_event(
        "expert.profile_updated",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={"changed": changed},
    )
    return changed


def request_name_change(expert, *, new_name, reason, actor, document=None, filename=None):
    """Ask for a name correction once past `applied`, with an optional supporting document
    (PDF or image, size-limited); an officer decides."""
    if not can_request_name_change(actor, expert):
        raise NotAllowed(_l("Only the expert or an officer may request a name change."))
    if expert.status in (ExpertStatus.APPLIED, ExpertStatus.WITHDRAWN):
        raise TransitionRefused(
            _l("While the application is open, edit the profile instead.")
            if expert.status == ExpertStatus.APPLIED
            else _l("The certification was withdrawn; the record is closed.")
        )
    new_name, reason = clean_text(new_name), clean_text(reason)
    if not new_name or len(new_name) > 200 or not reason:
        raise IncompleteRequest(_l("Give the corrected full name and the reason for the change."))
    if new_name == expert.full_name:
        raise IncompleteRequest(_l("The new name is the same as the current one."))
    if db.session.scalar(
        sa.select(NameChangeRequest.id).where(
            NameChangeRequest.expert_id == expert.id,
            NameChangeRequest.status == RequestStatus.PENDING,
        )
    ):
        raise TransitionRefused(
            _l("A name change for this expert is already waiting for a decision.")
        )
    request = NameChangeRequest(
        expert_id=expert.id,
        old_name=expert.full_name,
        new_name=new_name,
        reason=reason,
        requested_by_id=actor.id,
    )
    attach_supporting_document(request, document, filename)
    db.session.add(request)
    db.session.flush()
    record_event(
        "expert.name_change_requested",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={
            "request_id": request.id,
            "old": request.old_name,
            "new": request.new_name,
            "document_sha256": request.document_sha256,
        },
    )
    return request


def attach_supporting_document(request, document, filename):
    """Store an optional supporting document and point the request at it (None: nothing).
    A refused upload is a clear IncompleteRequest, and nothing is written."""
    if document is None:
        return
    try:
        stored = store_evidence(document, filename)
    except UploadRefused as exc:
        raise IncompleteRequest(exc.args[0]) from exc
    request.document_name = stored.name
    request.document_path = stored.path
    request.document_sha256 = stored.sha256


def close_request(model, request, *, approve, actor):
    """Mark a pending request approved or refused, once: a second decision is a Conflict."""
    table = model.__table__
    rows = db.session.execute(
        sa.update(table)
        .where(table.c.id == request.id, table.c.status == RequestStatus.PENDING)
        .values(
            status=RequestStatus.APPROVED if approve else RequestStatus.REFUSED,
            decided_by_id=actor.id,
            decided_at=utcnow(),
        )
    ).rowcount
    if rows != 1:
        raise Conflict(_l("This request was already decided by someone else. Reload the page."))
    db.session.refresh(request)


def decide_name_change(request, *, approve, actor, note=None):
    """Approve (rename and reissue the current certificates) or refuse a name change."""
    if not can_decide_certification(actor):
        raise NotAllowed(_l("Only a certification officer may take this decision."))
    expert = request.expert
    close_request(NameChangeRequest, request, approve=approve, actor=actor)
    details = {"request_id": request.id, "old": request.old_name, "new": request.new_name}
    reissued = []
    if approve:
        conditional_write(
            expert,
            expert.version,
            full_name=request.new_name,
            name_key=search_key(request.new_name),
        )
        reissued = _reissue(expert, actor)
        details["reissued"] = {old.number: new.number for old, new in reissued}
        notify_name_corrected(expert, request)
    details["note"] = clean_text(note)
    record_event(
        "expert.name_changed" if approve else "expert.name_change_refused",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details=details,
    )
    return reissued


def _reissue(expert, actor):
    """New certificates in the corrected name; the old ones become superseded."""
    today = local_day(utcnow())
    current = [
        c
        for c in guards.certificates_of(
            expert, [CertificateStatus.VALID, CertificateStatus.SUSPENDED]
        )
        if c.valid_until > today
    ]
    # Take every counter needed before the first certificate (and its audit event), so
    # that this transaction locks counters before the audit chain like all the others.
    levels = sorted({c.level for c in current})
    if levels and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(CertificateCounter.level)
            .where(CertificateCounter.year == today.year, CertificateCounter.level.in_(levels))
            .order_by(CertificateCounter.level)
            .with_for_update()
        )
    pairs = []
    for old in sorted(current, key=lambda c: (c.level, c.id)):
        status, status_reason, reason_code = old.status, old.status_reason, old.reason_code
        new = issue_certificate(
            expert,
            old.level,
            actor=actor,
            issued_on=today,
            replaces=old,
            valid_until=old.valid_until,
        )
        if status == CertificateStatus.SUSPENDED:
            new.status, new.status_reason, new.reason_code = status, status_reason, reason_code
        pairs.append((old, new))
    db.session.flush()
    return pairs
