"""Issued certificates and the per-level, per-year counters that number them."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import BatchJobStatus, CertificateLevel, CertificateStatus, PublicReason
from registry.extensions import db

SCHEME_REFERENCE = "TCVN 13751:2023"


class Certificate(db.Model):
    """A certificate as issued. The holder's details are copied at issue and never change."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("level", "year", "sequence"),
        sa.CheckConstraint("valid_until > issued_on", name="valid_after_issue"),
        sa.CheckConstraint("sequence > 0", name="sequence_positive"),
        sa.CheckConstraint(
            "(status = 'superseded') = (superseded_by_id IS NOT NULL)",
            name="superseded_names_successor",
        ),
        sa.CheckConstraint("(sha256 IS NULL) = (archive_path IS NULL)", name="archived_with_hash"),
        sa.CheckConstraint("length(verification_code) >= 22", name="code_long_enough"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    level: Mapped[CertificateLevel] = mapped_column(enum_column_type(CertificateLevel, "level"))
    year: Mapped[int]
    sequence: Mapped[int]
    verification_code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    holder_date_of_birth: Mapped[date]
    scheme: Mapped[str] = mapped_column(sa.String(50), default=SCHEME_REFERENCE)
    issuing_body: Mapped[str] = mapped_column(sa.String(200))
    signatory_name: Mapped[str] = mapped_column(sa.String(200))
    signatory_title: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column_type(CertificateStatus, "status"), default=CertificateStatus.VALID, index=True
    )
    # Why it is suspended or withdrawn: the public code (verification shows its words) and
    # the officer's private note (for the file and the holder, never for verifiers).
    reason_code: Mapped[PublicReason | None] = mapped_column(
        enum_column_type(PublicReason, "reason_code")
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    # Set once, when the PDF is rendered into the archive; never regenerated.
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    archive_path: Mapped[str | None] = mapped_column(sa.String(500))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert = relationship("Expert", back_populates="certificates")
    superseded_by = relationship("Certificate", remote_side=[id])


class CertificateCounter(db.Model):
    """Last sequence number used for a level in a year; incremented under a row lock."""

    __tablename__ = "certificate_counters"
    __table_args__ = (sa.CheckConstraint("last_sequence >= 0", name="sequence_not_negative"),)

    level: Mapped[CertificateLevel] = mapped_column(
        enum_column_type(CertificateLevel, "level"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(default=0)


class BatchJob(db.Model):
    """A run of batch issuance started from the directorate's page; its progress lives here.

    The worker's task updates the counts in the same transaction as each chunk of
    certificates it archives, so what the page shows is what the database holds.
    """

    __tablename__ = "batch_jobs"
    __table_args__ = (
        sa.CheckConstraint("total >= 0 AND done >= 0 AND failed >= 0", name="counts_not_negative"),
        sa.CheckConstraint("done + failed <= total", name="progress_within_total"),
        sa.CheckConstraint(
            "(status IN ('finished', 'failed')) = (finished_at IS NOT NULL)",
            name="finished_when_closed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[BatchJobStatus] = mapped_column(
        enum_column_type(BatchJobStatus, "status"), default=BatchJobStatus.QUEUED, index=True
    )
    # The cohort: a course code and/or expert ids; neither means every pending certificate.
    course_code: Mapped[str | None] = mapped_column(sa.String(40))
    expert_ids: Mapped[list | None] = mapped_column(sa.JSON)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # [{"expert_id", "holder_name", "number", "error"}], at most MAX_RECORDED_FAILURES.
    failures: Mapped[list] = mapped_column(sa.JSON, default=list)
    message: Mapped[str | None] = mapped_column(sa.Text)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last chunk was committed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    started_by = relationship("User")

    @property
    def processed(self):
        return self.done + self.failed

    @property
    def percent(self):
        return 100 if not self.total else round(100 * self.processed / self.total)
