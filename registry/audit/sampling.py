"""Auditors' random samples of certifications and their findings (registry/audit/findings.py
records findings and tracks their corrective actions, whatever their origin)."""

import random
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.findings import AuditError, add_finding
from registry.audit.models import AuditFinding, AuditSample
from registry.audit.service import record_event
from registry.certificates.models import Certificate
from registry.database import utcnow
from registry.enums import CertificateLevel
from registry.extensions import db

MAX_SAMPLE_SIZE = 500
MAX_SEED = 2**31 - 1  # the column is a 32-bit integer


def population(period_start, period_end, recorded_by):
    """Ids of national certificates issued in the period, in a fixed order (date, number).

    `recorded_by` leaves out certificates recorded after that instant, so that a sample
    drawn earlier can be drawn again identically.
    """
    return db.session.scalars(
        sa.select(Certificate.id)
        .where(
            Certificate.level == CertificateLevel.NATIONAL,
            Certificate.issued_on >= period_start,
            Certificate.issued_on <= period_end,
            Certificate.created_at <= recorded_by,
        )
        .order_by(Certificate.issued_on, Certificate.number)
    ).all()


def draw(ids, size, seed):
    """The same ids, size and seed always give the same draw, in the same order."""
    return random.Random(seed).sample(list(ids), min(size, len(ids)))  # noqa: S311  (not secret: reproducible by design)


def sampled_certificates(sample):
    """The certificates of `sample`, drawn again from its period, size and seed."""
    ids = population(sample.period_start, sample.period_end, sample.created_at)
    return _in_order(draw(ids, sample.size, sample.seed))


def _in_order(ids):
    rows = db.session.scalars(sa.select(Certificate).where(Certificate.id.in_(ids)))
    by_id = {certificate.id: certificate for certificate in rows}
    return [by_id[i] for i in ids]


def draw_sample(*, auditor, period_start, period_end, size, seed=None):
    """Draw and record a sample of up to `size` certifications; a seed is chosen if none is given."""
    if period_start is None or period_end is None or period_end < period_start:
        raise AuditError(_l("The period must end on or after the day it starts."))
    if size is None or not 1 <= size <= MAX_SAMPLE_SIZE:
        raise AuditError(_l("The sample size must be between 1 and %(max)s.", max=MAX_SAMPLE_SIZE))
    if seed is None:
        seed = secrets.randbelow(MAX_SEED) + 1
    elif not 0 <= seed <= MAX_SEED:
        raise AuditError(_l("The seed must be a whole number between 0 and %(max)s.", max=MAX_SEED))
    sample = AuditSample(
        auditor_id=auditor.id,
        period_start=period_start,
        period_end=period_end,
        size=size,
        seed=seed,
        created_at=utcnow(),
    )
    db.session.add(sample)
    db.session.flush()
    ids = population(period_start, period_end, sample.created_at)
    certificates = _in_order(draw(ids, size, seed))
    if not certificates:
        raise AuditError(_l("No national certificate was issued in this period."))
    record_event(
        "audit.sample_drawn",
        actor=auditor,
        object_type="audit_sample",
        object_id=sample.id,
        details={
            "period": [period_start, period_end],
            "size": size,
            "seed": seed,
            "population": len(ids),
            "certificates": [c.number for c in certificates],
        },
    )
    return sample, certificates


def record_finding(
    sample, certificate, *, auditor, result, note=None, corrective_action=None, due_on=None
):
    """Record the auditor's finding on one sampled certificate (once per sample and certificate)."""
    if certificate.id not in {c.id for c in sampled_certificates(sample)}:
        raise AuditError(_l("This certificate is not in the sample."))
    existing = db.session.scalar(
        sa.select(AuditFinding.id).where(
            AuditFinding.sample_id == sample.id, AuditFinding.certificate_id == certificate.id
        )
    )
    if existing:
        raise AuditError(_l("A finding is already recorded for this certificate in this sample."))
    return add_finding(
        recorded_by=auditor,
        result=result,
        note=note,
        corrective_action=corrective_action,
        due_on=due_on,
        sample=sample,
        certificate=certificate,
    )
