"""Records applied for on someone's behalf: the person is invited by email and claims the
record by setting a password through the link. An account is never attached by its email
alone (anyone can sign up with someone else's address); only the mailbox's holder, who
opened the link, gets the record."""

import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.auth import links
from registry.auth.models import User
from registry.auth.service import check_new_password
from registry.database import utcnow
from registry.enums import Role
from registry.experts.models import Expert
from registry.extensions import db
from registry.mail.outbox import queue_message


class ClaimRefused(ValueError):
    """The record cannot be claimed by this address's account; args[0] says why."""


def send_invitation(expert):
    """Mail the person of a record no account holds a link to claim it."""
    token = links.make_token(links.CLAIM, expert.id, expert.email)
    queue_message(
        f"invitation:{expert.id}:{secrets.token_hex(8)}",
        "invitation",
        to_address=expert.email,
        full_name=expert.full_name,
        path=links.site_path("auth.claim_record", token=token),
        days=links.max_age(links.CLAIM).days,
    )
    record_event("expert.invited", actor=None, object_type="expert", object_id=expert.id)


def invited_record(token):
    """The record a genuine, unexpired, unclaimed invitation is for; None otherwise."""
    found = links.read_token(links.CLAIM, token)
    if found is None:
        return None
    expert = db.session.get(Expert, found[0])
    if expert is None or expert.user_id is not None:
        return None
    if links.fingerprint(expert.email) != found[1]:  # the record's email changed since
        return None
    return expert


def claim_record(expert, password):
    """Tie `expert` to an account of its email with `password` (PasswordRefused if weak).

    An account of that email whose holder never confirmed it is taken over: its password
    and sessions are replaced, so whoever signed up with the address loses it. A confirmed
    expert account without a record gets the record (its holder reads this mailbox). Any
    other account of that email refuses the claim (ClaimRefused).
    """
    user = db.session.scalar(sa.select(User).where(User.email == expert.email))
    taken_over = False
    if user is None:
        user = User(email=expert.email, full_name=expert.full_name, role=Role.EXPERT)
        check_new_password(user, password)
        db.session.add(user)
    else:
        has_record = db.session.scalar(sa.select(Expert.id).where(Expert.user_id == user.id))
        if user.role != Role.EXPERT or has_record is not None or not user.active:
            raise ClaimRefused(
                _l(
                    "An account with this email cannot take this record. Ask the directorate "
                    "to check the application."
                )
            )
        check_new_password(user, password)
        taken_over = not user.email_confirmed
        user.full_name = expert.full_name
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
        user.rotate_session_token()  # whoever was signed in with it is signed out
    user.set_password(password)
    db.session.flush()
    expert.user_id = user.id
    db.session.flush()
    record_event(
        "expert.record_claimed",
        actor=user,
        object_type="expert",
        object_id=expert.id,
        details={"user_id": user.id, "unconfirmed_account_taken_over": taken_over},
    )
    return user
