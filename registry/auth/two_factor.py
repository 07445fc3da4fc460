"""A second factor for staff: TOTP codes (pyotp) from an authenticator app.

Officers, auditors, centre staff and admins may turn it on for themselves; the admin may
require it for whole roles, whose accounts then must enrol before anything else.
"""

import hmac
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from registry.audit.service import record_event
from registry.auth.models import SecondFactorRequirement, User
from registry.enums import Role
from registry.extensions import db

ISSUER = "NSCL Registry"
STAFF_ROLES = (Role.OFFICER, Role.AUDITOR, Role.CENTRE_STAFF, Role.ADMIN)


def new_secret():
    return pyotp.random_base32()


def enrolment_qr(user, secret):
    """The otpauth:// address for an authenticator app, as an SVG data URI (no script)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def code_step(secret, code, now=None):
    """The time step whose code of `secret` is `code`, allowing one step of clock drift
    either way; None when it is no current code."""
    code = "".join((code or "").split())
    if not (secret and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now(UTC))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(user, code, secret=None):
    """Whether `code` is a current code of the user's secret (or of `secret`, being
    enrolled) not accepted before: a code seen over a shoulder or in a proxy's log cannot
    be played again. Remembers its step."""
    step = code_step(secret or user.totp_secret, code)
    if step is None:
        return False
    # One conditional UPDATE: of two sign-ins racing with the same code, one wins.
    users = User.__table__
    accepted = db.session.execute(
        sa.update(users)
        .where(
            users.c.id == user.id,
            sa.or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    ).rowcount
    if accepted:
        set_committed_value(user, "totp_last_step", step)
    return accepted == 1


def turn_on(user, secret, code):
    """Record the secret once the holder proved their app shows its codes; False otherwise."""
    if not accept_code(user, code, secret):
        return False
    user.totp_secret = secret
    record_event("auth.second_factor_on", actor=user, object_type="user", object_id=user.id)
    return True


def turn_off(user, code):
    """Remove the second factor, with a current code; False otherwise (or if required)."""
    if is_required_for(user) or not accept_code(user, code):
        return False
    user.totp_secret = user.totp_last_step = None
    user.rotate_session_token()
    record_event("auth.second_factor_off", actor=user, object_type="user", object_id=user.id)
    return True


def required_roles():
    return set(db.session.scalars(sa.select(SecondFactorRequirement.role)))


def is_required_for(user):
    return db.session.get(SecondFactorRequirement, user.role) is not None


def require_for_roles(roles, *, actor):
    """Set the staff roles that must use a second factor (audited)."""
    roles = {Role(r) for r in roles} & set(STAFF_ROLES)
    before = required_roles()
    for role in before - roles:
        db.session.delete(db.session.get(SecondFactorRequirement, role))
    for role in roles - before:
        db.session.add(SecondFactorRequirement(role=role))
    db.session.flush()
    record_event(
        "admin.second_factor_required",
        actor=actor,
        object_type="settings",
        object_id=None,
        details={
            "before": sorted(r.value for r in before),
            "after": sorted(r.value for r in roles),
        },
    )
