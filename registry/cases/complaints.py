"""Complaints (ISO/IEC 17024 9.9): anyone, signed in or not, complains about a certified
person, a training centre or the directorate's own handling.

A complaint is filed unconfirmed; a signed link sent to its contact address confirms it
once (the link carries a nonce the confirmation clears), and only then does it enter the
officers' queue and its deadline run. From there it lives as an appeal does
(registry/cases/appeals.py: acknowledge, assign, decide, close).
"""

import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from registry.cases import notices
from registry.cases.appeals import CaseError, _days, _paragraphs, _record
from registry.cases.models import Case
from registry.centres.models import TrainingCentre
from registry.certificates.models import Certificate
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import CaseKind, CaseStatus, ComplaintSubject
from registry.extensions import db
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
    grounds = _paragraphs(grounds)
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
        due_on=local_day(now) + _days("REGISTRY_CASE_ACKNOWLEDGE_DAYS"),
    )
    db.session.add(case)
    db.session.flush()
    _record(case, "filed", actor, subject=case.subject.value, centre_id=centre_id)
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
            due_on=local_day(now) + _days("REGISTRY_CASE_ACKNOWLEDGE_DAYS"),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        raise CaseError(_l("This confirmation link has already been used."))
    db.session.refresh(case)
    _record(case, "received", None)
    notices.tell(case, "received")
    return case
