"""Cases: appeals against decisions and complaints, their documents.

Revision ID: 20261129_0902
Revises: 20261129_0901
Create Date: 2026-11-29 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0902"
down_revision = "20261129_0901"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade():
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("kind", "appeal", "complaint"), nullable=False),
        sa.Column(
            "status",
            _enum("status", "received", "acknowledged", "assigned", "decided", "closed"),
            nullable=False,
        ),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("status_change_id", sa.Integer(), nullable=True),
        sa.Column("accreditation_request_id", sa.Integer(), nullable=True),
        sa.Column("subject", _enum("subject", "expert", "centre", "directorate"), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("confirmation_nonce", sa.String(length=32), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", _enum("outcome", "upheld", "dismissed"), nullable=True),
        sa.Column("outcome_reasons", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resulting_change_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind <> 'appeal' OR (expert_id IS NOT NULL AND "
            "(status_change_id IS NULL) <> (accreditation_request_id IS NULL))",
            name=op.f("ck_cases_appeal_names_one_decision"),
        ),
        sa.CheckConstraint(
            "kind <> 'complaint' OR (contact_email IS NOT NULL AND subject IS NOT NULL "
            "AND (subject <> 'expert' OR expert_id IS NOT NULL) "
            "AND (subject <> 'centre' OR centre_id IS NOT NULL))",
            name=op.f("ck_cases_complaint_names_its_subject"),
        ),
        sa.CheckConstraint(
            "status = 'received' OR confirmed_at IS NOT NULL",
            name=op.f("ck_cases_confirmed_before_acknowledged"),
        ),
        sa.CheckConstraint(
            "status = 'received' OR acknowledged_at IS NOT NULL",
            name=op.f("ck_cases_acknowledged_after_receipt"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('assigned', 'decided', 'closed') OR handler_id IS NOT NULL",
            name=op.f("ck_cases_handled_once_assigned"),
        ),
        sa.CheckConstraint(
            "(status IN ('decided', 'closed')) = (outcome IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_cases_outcome_when_decided"),
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_cases_closed_at_set")
        ),
        sa.ForeignKeyConstraint(
            ["accreditation_request_id"],
            ["accreditation_requests.id"],
            name=op.f("fk_cases_accreditation_request_id_accreditation_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["training_centres.id"], name=op.f("fk_cases_centre_id_training_centres")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_cases_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_cases_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["users.id"], name=op.f("fk_cases_handler_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resulting_change_id"],
            ["status_changes.id"],
            name=op.f("fk_cases_resulting_change_id_status_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["status_changes.id"],
            name=op.f("fk_cases_status_change_id_status_changes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint(
            "accreditation_request_id", name=op.f("uq_cases_accreditation_request_id")
        ),
        sa.UniqueConstraint("status_change_id", name=op.f("uq_cases_status_change_id")),
    )
    op.create_index(op.f("ix_cases_due_on"), "cases", ["due_on"])
    op.create_index(op.f("ix_cases_expert_id"), "cases", ["expert_id"])
    op.create_index(op.f("ix_cases_status"), "cases", ["status"])
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_documents_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
    )
    op.create_index(op.f("ix_case_documents_case_id"), "case_documents", ["case_id"])


def downgrade():
    op.drop_index(op.f("ix_case_documents_case_id"), table_name="case_documents")
    op.drop_table("case_documents")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_expert_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_due_on"), table_name="cases")
    op.drop_table("cases")
