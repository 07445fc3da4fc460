"""Experts, the history of their status, and the requests officers decide on."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.database import UTCDateTime, enum_column_type, utcnow
from registry.enums import (
    CertificateLevel,
    ExpertStatus,
    OrganisationType,
    PublicReason,
    RequestStatus,
)
from registry.extensions import db
from registry.text import clean_email, clean_text, search_key

_OPEN = "status NOT IN ('rejected', 'withdrawn')"
# Who appears in the public register (SPEC §7): certified-level experts who consented.
# Written `status || ''` so that the index on status cannot serve it: the planner then
# reads ix_experts_public_register, whether or not SQLite has statistics (ANALYZE).
PUBLIC_REGISTER_WHERE = (
    "consent_public_listing AND (status || '') IN "
    "('certified', 'accredited_regional', 'accredited_international')"
)


def _partial_index(name, *columns, where, unique=False):
    """An index of the rows `where` selects, on SQLite and PostgreSQL alike."""
    return sa.Index(
        name,
        *columns,
        unique=unique,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


class Expert(db.Model):
    __tablename__ = "experts"
    __table_args__ = (
        sa.CheckConstraint("years_experience >= 0", name="years_not_negative"),
        sa.CheckConstraint("consent_scheme_rules", name="consented_to_scheme"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        # Suspended and expired experts remember the level to which they may return;
        # nobody else holds one.
        sa.CheckConstraint(
            "(status IN ('suspended', 'expired')) = (held_level IS NOT NULL)",
            name="held_level_when_paused",
        ),
        # One open application per person: by email, and by name and date of birth.
        _partial_index("uq_experts_open_email", "email", where=_OPEN, unique=True),
        _partial_index(
            "uq_experts_open_person", "name_key", "date_of_birth", where=_OPEN, unique=True
        ),
        # The public register's search: only listed experts, in name order, with every
        # column its filters read (a covering index: no table lookups while counting).
        _partial_index(
            "ix_experts_public_register",
            "name_key",
            "id",
            "province",
            "sector",
            "status",
            where=PUBLIC_REGISTER_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # Accent- and case-folded name for search and duplicate detection.
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    date_of_birth: Mapped[date]
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    organisation_type: Mapped[OrganisationType] = mapped_column(
        enum_column_type(OrganisationType, "organisation_type")
    )
    province: Mapped[str] = mapped_column(sa.String(100), index=True)
    sector: Mapped[str] = mapped_column(sa.String(100), index=True)
    highest_degree: Mapped[str] = mapped_column(sa.String(100))
    years_experience: Mapped[int]
    consent_scheme_rules: Mapped[bool]
    consent_public_listing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ExpertStatus] = mapped_column(
        enum_column_type(ExpertStatus, "status"), index=True
    )
    held_level: Mapped[ExpertStatus | None] = mapped_column(
        enum_column_type(ExpertStatus, "held_level")
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every status change: the conditional write checks it.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the person's data was erased (registry/rights/erasure.py): the row then holds a
    # pseudonym and what certification records must keep.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    history = relationship(
        "StatusChange", back_populates="expert", order_by="StatusChange.id", viewonly=True
    )
    enrolments = relationship("Enrolment", back_populates="expert")
    exam_results = relationship("ExamResult", back_populates="expert")
    certificates = relationship(
        "Certificate", back_populates="expert", order_by="Certificate.id", viewonly=True
    )

    @validates("full_name")
    def _validate_full_name(self, _key, value):
        value = clean_text(value)
        self.name_key = search_key(value)
        return value

    @validates("organisation", "province", "sector", "highest_degree", "phone")
    def _clean(self, _key, value):
        return clean_text(value)

    @validates("email")
    def _validate_email(self, _key, value):
        return clean_email(value)

    @classmethod
    def of_user(cls, user):
        """The record `user` signed up with or claimed, or None."""
        return db.session.scalar(sa.select(cls).where(cls.user_id == user.id))

    @classmethod
    def matching(cls, text):
        """Staff's search: `text` in the name (accents and case aside) or in the email."""
        return sa.or_(
            cls.name_key.contains(search_key(text), autoescape=True),
            cls.email.contains(text.lower(), autoescape=True),
        )

    def __repr__(self):
        return f"<Expert {self.id} {self.status}>"


class ExpertNameTail(db.Model):
    """The public register's name index: each expert's `name_key` from each of its words to
    the end ("nguyen van hung", "van hung", "hung"). A search finds the names in which it
    starts a word by reading one range of the primary key (registry/public/register.py).

    Written only by triggers on `experts` (migration 20261129_1801), whatever writes a name.
    Compared byte by byte (collation "C" on PostgreSQL, as SQLite always does), so that the
    range of the strings that start with a text does not depend on the server's locale.
    """

    __tablename__ = "expert_name_tails"
    # SQLite: the rows are the primary key's B-tree, not stored a second time beside it.
    __table_args__ = ({"sqlite_with_rowid": False},)

    tail: Mapped[str] = mapped_column(
        sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql"),
        primary_key=True,
    )
    expert_id: Mapped[int] = mapped_column(
        sa.ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StatusChange(db.Model):
    """One row per transition of an expert's status. Never updated or deleted."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    from_status: Mapped[ExpertStatus | None] = mapped_column(
        enum_column_type(ExpertStatus, "from_status")
    )
    to_status: Mapped[ExpertStatus] = mapped_column(enum_column_type(ExpertStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The decider's own words: for the file, never shown to the public.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # The public reason of a suspension or withdrawal (what verification shows).
    reason_code: Mapped[PublicReason | None] = mapped_column(
        enum_column_type(PublicReason, "reason_code")
    )
    evidence: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Hash chain per expert, set on insert by registry.audit.history_chain.
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))

    expert = relationship("Expert", back_populates="history")
    actor = relationship("User")


class _Request:
    """What every request an officer decides once has: open (pending) until decided, and
    an optional supporting document, stored like accreditation evidence (uploads.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column_type(RequestStatus, "status"), default=RequestStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    document_name: Mapped[str | None] = mapped_column(sa.String(255))
    document_path: Mapped[str | None] = mapped_column(sa.String(500))
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class NameChangeRequest(_Request, db.Model):
    """A correction of an expert's name once they are past `applied`; an officer decides."""

    __tablename__ = "name_change_requests"
    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)", name="decided_when_closed"
        ),
    )

    old_name: Mapped[str] = mapped_column(sa.String(200))
    new_name: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    expert = relationship("Expert")

    @validates("old_name", "new_name")
    def _clean(self, _key, value):
        return clean_text(value)


class CpdRecord(_Request, db.Model):
    """CPD hours declared by the expert and confirmed by an officer."""

    __tablename__ = "cpd_records"
    __table_args__ = (
        sa.CheckConstraint("hours > 0", name="hours_positive"),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)", name="decided_when_closed"
        ),
    )

    activity: Mapped[str] = mapped_column(sa.String(300))
    hours: Mapped[int]
    completed_on: Mapped[date]

    expert = relationship("Expert")


class AccreditationRequest(_Request, db.Model):
    """Evidence of regional or international recognition, submitted for an officer's decision."""

    __tablename__ = "accreditation_requests"
    __table_args__ = (
        sa.CheckConstraint("level <> 'national'", name="level_above_national"),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)", name="decided_when_closed"
        ),
        sa.CheckConstraint(
            "(document_path IS NULL) = (document_sha256 IS NULL)", name="document_hashed"
        ),
    )

    level: Mapped[CertificateLevel] = mapped_column(enum_column_type(CertificateLevel, "level"))
    reference: Mapped[str] = mapped_column(sa.String(200))
    issuing_body: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date]
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    expert = relationship("Expert")

    @validates("reference", "issuing_body")
    def _clean(self, _key, value):
        return clean_text(value)
