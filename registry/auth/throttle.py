"""Failed sign-ins slow down, they never lock: growing delays per account and per address.

Three counters are kept for each failed attempt (REGISTRY_SIGNIN_THROTTLE gives, for
each, the failures that cost nothing and the longest delay):

- the account *from* this address: a person's own typos slow only them, never their
  office that shares one address;
- the account from anywhere: a guessing attack spread over many addresses. Its delay is
  short and is skipped from an address where the account signed in successfully in the
  last 30 days, so an attacker cannot keep the officer out;
- the address for any account: one address trying many accounts (password spraying). Its
  free failures are many, so an office behind one address is not slowed by a few typos.

A delay is an answer ("try again in N seconds"), never a sleeping worker. While a delay
runs the password is not even checked, and the attempt is not counted.
"""

import hashlib
import hmac
import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from registry.auth.models import SignInThrottle
from registry.database import utcnow
from registry.extensions import db
from registry.text import clean_email

FIRST_DELAY_SECONDS = 5  # doubled at each further failure, up to the scope's longest delay
KNOWN_ADDRESS_DAYS = 30
QUIET = timedelta(hours=1)  # a quiet hour starts the count of failures again
DEFAULT_SCOPES = {  # scope: (failures that cost nothing, longest delay in seconds)
    "account_address": (3, 15 * 60),
    "account": (10, 60),
    "address": (30, 5 * 60),
}


def _keys(email, address):
    secret = current_app.config["SECRET_KEY"].encode()
    email = clean_email(email) or ""

    def key(scope, value):
        digest = hmac.new(secret, f"{scope}\0{value}".encode(), hashlib.sha256).hexdigest()
        return f"{scope}:{digest[:64]}"

    return {
        "account_address": key("account_address", f"{email}\0{address}"),
        "account": key("account", email),
        "address": key("address", address or ""),
    }


def _scopes():
    return current_app.config.get("REGISTRY_SIGNIN_THROTTLE") or DEFAULT_SCOPES


def _rows(keys):
    found = db.session.scalars(
        sa.select(SignInThrottle).where(SignInThrottle.key.in_(keys.values()))
    )
    by_key = {row.key: row for row in found}
    return {scope: by_key.get(key) for scope, key in keys.items()}


def seconds_to_wait(email, address, now=None):
    """How long this email must wait before trying from this address (0: it may try now)."""
    now = now or utcnow()
    rows = _rows(_keys(email, address))
    pair = rows["account_address"]
    known = (
        pair is not None
        and pair.last_success_at is not None
        and pair.last_success_at > now - timedelta(days=KNOWN_ADDRESS_DAYS)
    )
    waits = [
        (row.retry_at - now).total_seconds()
        for scope, row in rows.items()
        if row is not None and row.retry_at is not None and not (scope == "account" and known)
    ]
    return max([0, *(math.ceil(w) for w in waits)])


def delay_after(failures, free, longest):
    """Seconds to wait after the `failures`-th failure in a row: 0 while free, then doubling."""
    if failures <= free:
        return 0
    return min(longest, FIRST_DELAY_SECONDS * 2 ** (failures - free - 1))


def record_failure(email, address, now=None):
    """Count a failed attempt in each scope and set when the next one may come.

    Returns the scopes whose delay started with this failure: each does once per episode
    (the count starts again after a quiet hour or a successful sign-in).
    """
    return _counted(_count_failure, email, address, now or utcnow())


def _counted(count, *args):
    """`count(*args)` in a savepoint; once more if a simultaneous attempt created a counter
    first (IntegrityError)."""
    try:
        with db.session.begin_nested():
            return count(*args)
    except IntegrityError:
        with db.session.begin_nested():
            return count(*args)


def _count_failure(email, address, now):
    forget_before = now - QUIET
    keys = _keys(email, address)
    rows = _rows(keys)
    started = set()
    for scope, (free, longest) in _scopes().items():
        row = rows[scope]
        if row is None:
            row = SignInThrottle(key=keys[scope], failures=0)
            db.session.add(row)
        if row.last_failure_at is not None and row.last_failure_at < forget_before:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = delay_after(row.failures, free, longest)
        row.retry_at = now + timedelta(seconds=wait) if wait else None
        if row.failures == free + 1:
            started.add(scope)
    db.session.flush()
    return started


def record_success(email, address, now=None):
    """The holder signed in: their counters start again, and this address becomes known."""
    _counted(_count_success, email, address, now or utcnow())


def _count_success(email, address, now):
    keys = _keys(email, address)
    rows = _rows(keys)
    pair = rows["account_address"]
    if pair is None:
        pair = SignInThrottle(key=keys["account_address"])
        db.session.add(pair)
    pair.failures, pair.retry_at, pair.last_success_at = 0, None, now
    if rows["account"] is not None:
        rows["account"].failures, rows["account"].retry_at = 0, None
    db.session.flush()


def forget_stale_counters(now):
    """Delete the counters that no longer change anything: no delay running, failures older
    than a quiet hour (counted from zero again anyway), no success within the days that
    make an address known. Returns how many went (the retention table applies this)."""
    row = SignInThrottle
    return db.session.execute(
        sa.delete(row).where(
            sa.or_(row.retry_at.is_(None), row.retry_at <= now),
            sa.or_(row.last_failure_at.is_(None), row.last_failure_at < now - QUIET),
            sa.or_(
                row.last_success_at.is_(None),
                row.last_success_at <= now - timedelta(days=KNOWN_ADDRESS_DAYS),
            ),
        )
    ).rowcount
