"""Signed credentials: every certificate's Open Badges credential, the status lists that
revoke or suspend it, and every public key the registry has signed with.

Credentials and keys are append-only, like the audit log.

Revision ID: 20261129_0401
Revises: 20261122_0902
Create Date: 2026-11-29 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0401"
down_revision = "20261129_0801"
branch_labels = None
depends_on = None

APPEND_ONLY = ("issuer_keys", "certificate_credentials")


def upgrade():
    op.create_table(
        "issuer_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_keys")),
        sa.UniqueConstraint(
            "public_key_multibase", name=op.f("uq_issuer_keys_public_key_multibase")
        ),
    )
    op.create_table(
        "certificate_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("revocation_index", sa.Integer(), nullable=False),
        sa.Column("suspension_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "revocation_index >= 0 AND suspension_index >= 0",
            name=op.f("ck_certificate_credentials_indices_not_negative"),
        ),
        sa.CheckConstraint(
            "status_list > 0", name=op.f("ck_certificate_credentials_status_list_positive")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_credentials_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_credentials")),
        sa.UniqueConstraint(
            "certificate_id", name=op.f("uq_certificate_credentials_certificate_id")
        ),
        sa.UniqueConstraint(
            "status_list",
            "revocation_index",
            name=op.f("uq_certificate_credentials_status_list_revocation_index"),
        ),
        sa.UniqueConstraint(
            "status_list",
            "suspension_index",
            name=op.f("uq_certificate_credentials_status_list_suspension_index"),
        ),
    )
    op.create_table(
        "status_lists",
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('revocation', 'suspension')", name=op.f("ck_status_lists_purpose_known")
        ),
        sa.PrimaryKeyConstraint("purpose", "number", name=op.f("pk_status_lists")),
    )
    # The same guard as the audit log's (registry_append_only() comes from the first revision).
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade():
    op.drop_table("status_lists")
    op.drop_table("certificate_credentials")
    op.drop_table("issuer_keys")
