"""People's rights over their data (Law No. 91/2025/QH15): what the registry holds about an
expert, as one document, and the corrections that are theirs to make at any state."""

import sqlalchemy as sa

from registry.audit.service import record_event
from registry.cases.models import Case
from registry.enums import CaseKind
from registry.experts.models import (
    AccreditationRequest,
    CpdRecord,
    NameChangeRequest,
    StatusChange,
)
from registry.extensions import db
from registry.text import clean_text


def _iso(value):
    return value.isoformat() if value is not None else None


def _value(value):
    return getattr(value, "value", value)


def personal_data(expert):
    """Everything the registry holds about `expert`, as JSON-ready data."""
    user = expert.user
    profile = {
        name: _value(getattr(expert, name))
        for name in (
            "full_name",
            "email",
            "phone",
            "organisation",
            "organisation_type",
            "province",
            "sector",
            "highest_degree",
            "years_experience",
            "consent_scheme_rules",
            "consent_public_listing",
            "status",
            "held_level",
        )
    } | {"date_of_birth": _iso(expert.date_of_birth), "created_at": _iso(expert.created_at)}
    return {
        "account": None
        if user is None
        else {
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role.value,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "locale": user.locale,
        },
        "profile": profile,
        "history": [
            {
                "at": _iso(c.created_at),
                "from": _value(c.from_status),
                "to": _value(c.to_status),
                "reason": c.reason,
                "reason_code": _value(c.reason_code),
                "evidence": c.evidence,
            }
            for c in _of(StatusChange, expert)
        ],
        "certificates": [
            {
                "number": c.number,
                "level": c.level.value,
                "holder_name": c.holder_name,
                "issued_on": _iso(c.issued_on),
                "valid_until": _iso(c.valid_until),
                "status": c.status.value,
                "reason_code": _value(c.reason_code),
            }
            for c in expert.certificates
        ],
        "requests": {
            "name_changes": [
                {"old": r.old_name, "new": r.new_name, "reason": r.reason, "status": r.status.value}
                for r in _of(NameChangeRequest, expert)
            ],
            "accreditations": [
                {
                    "level": r.level.value,
                    "reference": r.reference,
                    "issuing_body": r.issuing_body,
                    "issued_on": _iso(r.issued_on),
                    "status": r.status.value,
                }
                for r in _of(AccreditationRequest, expert)
            ],
            "cpd": [
                {
                    "activity": r.activity,
                    "hours": r.hours,
                    "completed_on": _iso(r.completed_on),
                    "status": r.status.value,
                }
                for r in _of(CpdRecord, expert)
            ],
        },
        "cases": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "status": c.status.value,
                "grounds": c.grounds,
                "received_at": _iso(c.received_at),
                "outcome": _value(c.outcome),
                "outcome_reasons": c.outcome_reasons,
                "due_on": _iso(c.due_on) if c.closed_at is None else None,
            }
            # Their own appeals and requests; a complaint about them is another person's file.
            for c in _of(Case, expert)
            if c.kind in (CaseKind.APPEAL, CaseKind.ERASURE)
        ],
    }


def _of(model, expert):
    return db.session.scalars(
        sa.select(model).where(model.expert_id == expert.id).order_by(model.id)
    ).all()


def correct_contact(expert, *, actor, phone, organisation, consent_public_listing):
    """The expert's own corrections, at any state; audited. Withdrawing consent takes them
    off the public register at once (the register reads the flag on every request)."""
    values = {
        "phone": clean_text(phone),
        "organisation": clean_text(organisation) or expert.organisation,
        "consent_public_listing": bool(consent_public_listing),
    }
    changed = sorted(name for name, value in values.items() if getattr(expert, name) != value)
    for name in changed:
        setattr(expert, name, values[name])
    db.session.flush()
    if changed:
        record_event(
            "expert.contact_corrected",
            actor=actor,
            object_type="expert",
            object_id=expert.id,
            details={
                "changed": changed,
                "consent_public_listing": values["consent_public_listing"],
            },
        )
    return changed
