"""Administration of accounts and training centres. Each change is audited."""

import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth.email_links import send_reset
from registry.auth.models import User
from registry.auth.passwords import password_problem
from registry.centres.models import TrainingCentre
from registry.clock import today as local_today
from registry.enums import Role
from registry.extensions import db
from registry.mail.outbox import queue_message
from registry.provinces import canonical_province, unknown_province
from registry.text import clean_email


class AdminError(ValueError):
    """A change the registry refuses; the message says why."""


ROLES_WITH_CENTRE = (Role.CENTRE_STAFF, Role.OFFICER, Role.AUDITOR)


def _check_role_centre(role, centre):
    if role == Role.CENTRE_STAFF and centre is None:
        raise AdminError(_l("Training centre staff must belong to a training centre."))
    if role not in ROLES_WITH_CENTRE and centre is not None:
        raise AdminError(
            _l("Only centre staff, officers and auditors can be attached to a centre.")
        )


def create_user(*, email, full_name, role, password, centre=None, actor=None):
    """Create an account; refuses a duplicate email or a role that contradicts the centre."""
    role = Role(role)
    _check_role_centre(role, centre)
    if db.session.scalar(sa.select(User.id).where(User.email == clean_email(email))):
        raise AdminError(_l("An account with this email already exists."))
    problem = password_problem(password, full_name=full_name, email=email)
    if problem:
        raise AdminError(problem)
    user = User(email=email, full_name=full_name, role=role, centre=centre)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(
        "admin.user_created",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={
            "email": user.email,
            "role": role.value,
            "centre": centre.code if centre else None,
        },
    )
    return user


def update_user(user, *, full_name, role, centre, active, actor=None):
    """Change an account's name, role, centre or whether it may sign in (audited)."""
    role = Role(role)
    _check_role_centre(role, centre)
    before = {"role": user.role.value, "centre_id": user.centre_id, "active": user.active}
    user.full_name = full_name
    user.role = role
    user.centre = centre
    disabled = user.active and not active
    if disabled:
        user.rotate_session_token()  # a deactivated account is signed out everywhere
    user.active = active
    record_event(
        "admin.user_updated",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={
            "before": before,
            "after": {
                "role": role.value,
                "centre_id": centre.id if centre else None,
                "active": active,
            },
        },
    )
    if disabled:  # the holder learns of it, and whom to ask
        queue_message(
            f"account-disabled:{user.id}:{secrets.token_hex(8)}",
            "account_disabled",
            to_address=user.email,
            recipient=user,
            full_name=user.full_name,
        )


def send_password_reset(user, *, actor):
    """An administrator sends `user` a password reset link (audited, mailed)."""
    if not user.active:
        raise AdminError(_l("This account is disabled: enable it before sending a reset."))
    send_reset(user, by=actor)


def save_centre(centre, *, code, name, province, approved_until, active, actor=None):
    """Create (centre is None) or update a training centre."""
    creating = centre is None
    clash = db.session.scalar(
        sa.select(TrainingCentre.id).where(TrainingCentre.code == code.strip().upper())
    )
    if clash and (creating or clash != centre.id):
        raise AdminError(_l("Another training centre already has this code."))
    unit = canonical_province(province)
    if unit is None:
        raise AdminError(unknown_province(province))
    today = local_today()
    if creating and approved_until is not None and approved_until < today:
        # A new centre approved only in the past could record nothing: a typo, surely.
        raise AdminError(
            _l(
                "The approval date %(date)s has already passed: a new centre needs an approval"
                " that runs until today or later (or none).",
                date=approved_until.isoformat(),
            )
        )
    if creating:
        centre = TrainingCentre()
        db.session.add(centre)
    centre.code = code
    centre.name = name
    centre.province = unit
    centre.approved_until = approved_until
    centre.active = active
    db.session.flush()
    record_event(
        "admin.centre_created" if creating else "admin.centre_updated",
        actor=actor,
        object_type="training_centre",
        object_id=centre.id,
        details={
            "code": centre.code,
            "name": centre.name,
            "province": centre.province,
            "approved_until": approved_until,
            "active": active,
        },
    )
    return centre
