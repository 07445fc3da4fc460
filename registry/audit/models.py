"""The directorate's append-only, hash-chained audit log, and auditors' findings."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import FindingResult
from registry.extensions import db
from registry.text import clean_text


class AuditEvent(db.Model):
    """One event; `hash` covers its fields and `prev_hash`, so any edit breaks the chain."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Plain ids and a label, not foreign keys: the log outlives what it describes.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)


class VerificationCheck(db.Model):
    """One public verification of a certificate, logged as it is answered (SPEC §7).

    Checks are many and come from anyone, so they stay out of the hash chain: a plain log,
    append-only (database triggers) but for one change, `client` set to NULL once the check
    is older than the retention period (`registry purge-checks`, docs/certificates.md).
    """

    __tablename__ = "verification_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    # A plain id, like the audit log's: set only when the number and the code matched.
    certificate_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(sa.String(20))
    # The client's address: personal data, dropped after the retention period.
    client: Mapped[str | None] = mapped_column(sa.String(64))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(sa.String(254))


class AuditSample(db.Model):
    """A reproducible random draw of certifications from a period."""

    __tablename__ = "audit_samples"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period_ordered"),
        sa.CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    auditor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    size: Mapped[int]
    seed: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    findings = relationship("AuditFinding", back_populates="sample")


class AuditFinding(db.Model):
    __tablename__ = "audit_findings"
    __table_args__ = (
        sa.UniqueConstraint("sample_id", "certificate_id"),
        sa.CheckConstraint(
            "result <> 'nonconforming' OR (corrective_action IS NOT NULL AND due_on IS NOT NULL)",
            name="nonconformity_has_action",
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR result = 'nonconforming'", name="only_actions_close"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audit_samples.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    auditor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    result: Mapped[FindingResult] = mapped_column(enum_column_type(FindingResult, "result"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    corrective_action: Mapped[str | None] = mapped_column(sa.Text)
    due_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sample = relationship("AuditSample", back_populates="findings")
    certificate = relationship("Certificate")
    auditor = relationship("User")

    @validates("note", "corrective_action")
    def _clean(self, _key, value):
        return clean_text(value)
