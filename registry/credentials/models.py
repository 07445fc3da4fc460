"""Signed credentials of certificates, the status lists that revoke or suspend them, and
every public key the registry has signed with."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, utcnow
from registry.extensions import db


class IssuerKey(db.Model):
    """A public key the registry signs (or signed) with; kept after a rotation so that
    older credentials still verify. Append-only."""

    __tablename__ = "issuer_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key_multibase: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CertificateCredential(db.Model):
    """The signed Open Badges credential of a certificate, stored as issued (exact bytes),
    and its places in the status lists. Append-only: it is never changed afterwards."""

    __tablename__ = "certificate_credentials"
    __table_args__ = (
        sa.UniqueConstraint("status_list", "revocation_index"),
        sa.UniqueConstraint("status_list", "suspension_index"),
        sa.CheckConstraint("status_list > 0", name="status_list_positive"),
        sa.CheckConstraint(
            "revocation_index >= 0 AND suspension_index >= 0", name="indices_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), unique=True)
    document: Mapped[str] = mapped_column(sa.Text)
    status_list: Mapped[int]
    revocation_index: Mapped[int]
    suspension_index: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificate = relationship("Certificate")


class StatusList(db.Model):
    """A published Bitstring Status List credential, stored signed and ready to serve."""

    __tablename__ = "status_lists"
    __table_args__ = (
        sa.CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose_known"),
    )

    purpose: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(sa.Text)
    etag: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
