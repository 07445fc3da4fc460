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


class AuditCheckpoint(db.Model):
    """A signed checkpoint of the audit log, as published (registry.audit.checkpoint).
    Append-only; its real protection is the copies kept outside the database."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    events: Mapped[int]
    document: Mapped[str] = mapped_column(sa.Text)


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
    """A finding, from an auditor's sample (sample and certificate) or from a complaint its
    handler upheld (case, with the centre or the person who must act): a nonconformity
    takes a corrective action due by a day, marked done later with a comment
    (registry/audit/findings.py)."""

    __tablename__ = "audit_findings"
    __table_args__ = (
        sa.UniqueConstraint("sample_id", "certificate_id"),
        # One finding per case: what the complaint showed, with its corrective action.
        sa.UniqueConstraint("case_id"),
        sa.CheckConstraint(
            "(sample_id IS NOT NULL AND certificate_id IS NOT NULL AND case_id IS NULL) OR "
            "(case_id IS NOT NULL AND sample_id IS NULL AND certificate_id IS NULL)",
            name="one_origin",
        ),
        sa.CheckConstraint(
            "result <> 'nonconforming' OR (corrective_action IS NOT NULL AND due_on IS NOT NULL)",
            name="nonconformity_has_action",
        ),
        # A complaint's finding says who must act: a training centre, or someone named.
        sa.CheckConstraint(
            "case_id IS NULL OR (result = 'nonconforming' AND "
            "(centre_id IS NOT NULL OR action_owner IS NOT NULL))",
            name="case_finding_has_owner",
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR result = 'nonconforming'", name="only_actions_close"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audit_samples.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    # Who recorded it: the auditor of a sample, the handler of a case.
    auditor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    result: Mapped[FindingResult] = mapped_column(enum_column_type(FindingResult, "result"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    corrective_action: Mapped[str | None] = mapped_column(sa.Text)
    # Who must carry out the corrective action: a training centre, or as written.
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_centres.id"))
    action_owner: Mapped[str | None] = mapped_column(sa.String(300))
    due_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    # What was done, on what evidence, said by whoever marked the action done.
    closed_note: Mapped[str | None] = mapped_column(sa.Text)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sample = relationship("AuditSample", back_populates="findings")
    certificate = relationship("Certificate")
    case = relationship("Case")
    centre = relationship("TrainingCentre")
    auditor = relationship("User", foreign_keys=[auditor_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @validates("note", "corrective_action", "action_owner")
    def _clean(self, _key, value):
        return clean_text(value)
