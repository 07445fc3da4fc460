"""Cases: an appeal against a decision, handled on record by someone not involved in it."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import CaseKind, CaseOutcome, CaseStatus, ComplaintSubject
from registry.extensions import db


class Case(db.Model):
    """One case. Its steps are the audit events `case.*` (object_type "case")."""

    __tablename__ = "cases"
    __table_args__ = (
        # An appeal is against exactly one decision: a status change or a refused request
        # (accreditation, CPD hours).
        sa.CheckConstraint(
            "kind <> 'appeal' OR (expert_id IS NOT NULL AND "
            "(CASE WHEN status_change_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN accreditation_request_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN cpd_record_id IS NULL THEN 0 ELSE 1 END) = 1)",
            name="appeal_names_one_decision",
        ),
        # A complaint names whom it is about and an address to answer.
        sa.CheckConstraint(
            "kind <> 'complaint' OR (contact_email IS NOT NULL AND subject IS NOT NULL "
            "AND (subject <> 'expert' OR expert_id IS NOT NULL) "
            "AND (subject <> 'centre' OR centre_id IS NOT NULL))",
            name="complaint_names_its_subject",
        ),
        # An erasure request is the person's own, about no decision.
        sa.CheckConstraint(
            "kind <> 'erasure' OR (expert_id IS NOT NULL AND status_change_id IS NULL "
            "AND accreditation_request_id IS NULL AND cpd_record_id IS NULL)",
            name="erasure_names_its_person",
        ),
        # Nothing is acknowledged before its address is confirmed.
        sa.CheckConstraint(
            "status = 'received' OR confirmed_at IS NOT NULL", name="confirmed_before_acknowledged"
        ),
        sa.CheckConstraint(
            "status = 'received' OR acknowledged_at IS NOT NULL", name="acknowledged_after_receipt"
        ),
        sa.CheckConstraint(
            "status NOT IN ('assigned', 'decided', 'closed') OR handler_id IS NOT NULL",
            name="handled_once_assigned",
        ),
        sa.CheckConstraint(
            "(status IN ('decided', 'closed')) = (outcome IS NOT NULL AND decided_at IS NOT NULL)",
            name="outcome_when_decided",
        ),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_set"),
        # A decision is appealed once.
        sa.UniqueConstraint("status_change_id"),
        sa.UniqueConstraint("accreditation_request_id"),
        sa.UniqueConstraint("cpd_record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column_type(CaseKind, "kind"))
    status: Mapped[CaseStatus] = mapped_column(
        enum_column_type(CaseStatus, "status"), default=CaseStatus.RECEIVED, index=True
    )
    expert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    status_change_id: Mapped[int | None] = mapped_column(sa.ForeignKey("status_changes.id"))
    accreditation_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accreditation_requests.id")
    )
    cpd_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cpd_records.id"))
    subject: Mapped[ComplaintSubject | None] = mapped_column(
        enum_column_type(ComplaintSubject, "subject")
    )
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_centres.id"))
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    # A complaint's address is confirmed by a signed link carrying this nonce, which the
    # confirmation clears: the link works once.
    confirmation_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grounds: Mapped[str] = mapped_column(sa.Text)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The day by which the next step is due: acknowledgement, then the decision.
    due_on: Mapped[date] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[CaseOutcome | None] = mapped_column(enum_column_type(CaseOutcome, "outcome"))
    outcome_reasons: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The transition the case led to, taken through the transition table: the one an upheld
    # appeal implies, or the suspension a complaint about an expert led its handler to.
    resulting_change_id: Mapped[int | None] = mapped_column(sa.ForeignKey("status_changes.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    expert = relationship("Expert")
    centre = relationship("TrainingCentre")
    status_change = relationship("StatusChange", foreign_keys=[status_change_id])
    accreditation_request = relationship("AccreditationRequest")
    cpd_record = relationship("CpdRecord")
    resulting_change = relationship("StatusChange", foreign_keys=[resulting_change_id])
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    handler = relationship("User", foreign_keys=[handler_id])
    documents = relationship("CaseDocument", order_by="CaseDocument.id", viewonly=True)
    finding = relationship("AuditFinding", uselist=False, viewonly=True)

    @property
    def decided_by_id(self):
        """Who took the decision appealed: they may not handle the appeal."""
        if self.status_change is not None:
            return self.status_change.actor_id
        request = self.accreditation_request or self.cpd_record
        return None if request is None else request.decided_by_id

    def __repr__(self):
        return f"<Case {self.id} {self.kind} {self.status}>"


class CaseDocument(db.Model):
    """A document attached to a case by the person who filed it."""

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    path: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
