"""A second factor for staff: TOTP codes (pyotp) from an authenticator app.

Officers, auditors, centre staff and admins may turn it on for themselves; the admin may
require it for whole roles, whose accounts then must enrol before anything else.
"""

import pyotp
import segno
import sqlalchemy as sa

from registry.audit.service import record_event
from registry.auth.models import SecondFactorRequirement
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


def code_is_valid(secret, code):
    """Whether `code` is the current code of `secret` (one step of clock drift allowed)."""
    code = "".join((code or "").split())
    return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def turn_on(user, secret, code):
    """Record the secret once the holder proved their app shows its codes; False otherwise."""
    if not code_is_valid(secret, code):
        return False
    user.totp_secret = secret
    record_event("auth.second_factor_on", actor=user, object_type="user", object_id=user.id)
    return True


def turn_off(user, code):
    """Remove the second factor, with a current code; False otherwise (or if required)."""
    if is_required_for(user) or not code_is_valid(user.totp_secret, code):
        return False
    user.totp_secret = None
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
