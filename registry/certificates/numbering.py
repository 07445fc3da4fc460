"""Certificate numbers: NSCL-<QG|KV|QT>-<year>-<sequence>, consecutive per level and year."""

import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from registry.certificates.models import CertificateCounter
from registry.extensions import db

PREFIX = "NSCL"


def format_number(level, year, sequence):
    return f"{PREFIX}-{level.code}-{year}-{sequence:05d}"


def next_sequence(level, year):
    """Take the next sequence number for (level, year) inside the current transaction.

    The UPDATE locks the counter row until the transaction ends, so concurrent issuers
    wait for each other and numbers stay unique and consecutive.
    """
    counters = CertificateCounter.__table__
    bump = (
        sa.update(counters)
        .where(counters.c.level == level, counters.c.year == year)
        .values(last_sequence=counters.c.last_sequence + 1)
        .returning(counters.c.last_sequence)
    )
    for _attempt in range(2):
        value = db.session.execute(bump).scalar()
        if value is not None:
            return value
        try:
            with db.session.begin_nested():
                db.session.execute(
                    sa.insert(counters).values(level=level, year=year, last_sequence=1)
                )
            return 1
        except IntegrityError:
            continue  # another transaction created the counter first: bump it instead
    raise RuntimeError(f"could not take a certificate number for {level} {year}")


def new_verification_code():
    """Random code printed in the QR link: 160 bits, URL-safe."""
    return secrets.token_urlsafe(20)
