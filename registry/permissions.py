"""Who may do what: every access decision of the registry is made here."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from registry.enums import Role

DIRECTORATE = (Role.OFFICER, Role.AUDITOR)


def has_role(user, *roles):
    return bool(user and user.is_authenticated and user.role in roles)


def require_role(*roles):
    """View decorator: sign-in required, then one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_view_centre(user, centre):
    """Centre staff see only their own centre; the directorate and admins see all."""
    if has_role(user, Role.CENTRE_STAFF):
        return user.centre_id == centre.id
    return has_role(user, Role.OFFICER, Role.AUDITOR, Role.ADMIN)


def can_manage_centre_records(user, centre_id):
    """Record courses, rosters and exams: only the staff of that very centre."""
    return has_role(user, Role.CENTRE_STAFF) and user.centre_id == centre_id


def can_administer(user):
    return has_role(user, Role.ADMIN)


def can_view_expert(user, expert):
    """The expert, the directorate, and staff of a centre where the expert is enrolled."""
    if not (user and user.is_authenticated):
        return False
    if user.role in DIRECTORATE:
        return True
    if user.role == Role.EXPERT:
        return expert.user_id == user.id
    if user.role == Role.CENTRE_STAFF:
        return any(e.course.centre_id == user.centre_id for e in expert.enrolments)
    return False


def can_view_audit_log(user):
    return has_role(user, Role.AUDITOR, Role.OFFICER)


def can_download_certificate(user, certificate):
    """The holder (the user whose account owns the expert record), officers and auditors."""
    if has_role(user, Role.OFFICER, Role.AUDITOR):
        return True
    return bool(
        user
        and user.is_authenticated
        and user.id is not None
        and certificate.expert.user_id == user.id
    )


def can_view_batch_jobs(user):
    return has_role(user, Role.OFFICER, Role.AUDITOR)


def can_run_certificate_batch(user):
    """Starting batch issuance is a directorate decision: officers only."""
    return has_role(user, Role.OFFICER)
