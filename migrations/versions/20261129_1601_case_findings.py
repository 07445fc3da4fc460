"""Findings from complaints, appeals of refused CPD hours.

An audit finding comes from an auditor's sample (sample and certificate, as before) or from
a complaint upheld by its handler (`case_id`, one finding per case), and then names who must
carry out the corrective action: a training centre (`centre_id`) or as written
(`action_owner`). Marking a corrective action done keeps what was done (`closed_note`), by
whom and when. A case may appeal refused CPD hours (`cpd_record_id`): an appeal names
exactly one decision among a status change, a refused accreditation, refused CPD hours
(and an erasure request names none).

Revision ID: 20261129_1601
Revises: 20261129_1401
Create Date: 2026-11-29 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1601"
down_revision = "20261129_1401"
branch_labels = None
depends_on = None

ONE_DECISION_BEFORE = (
    "kind <> 'appeal' OR (expert_id IS NOT NULL AND "
    "(status_change_id IS NULL) <> (accreditation_request_id IS NULL))"
)
ONE_DECISION = (
    "kind <> 'appeal' OR (expert_id IS NOT NULL AND "
    "(CASE WHEN status_change_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN accreditation_request_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN cpd_record_id IS NULL THEN 0 ELSE 1 END) = 1)"
)
ONE_ORIGIN = (
    "(sample_id IS NOT NULL AND certificate_id IS NOT NULL AND case_id IS NULL) OR "
    "(case_id IS NOT NULL AND sample_id IS NULL AND certificate_id IS NULL)"
)
ERASURE_BEFORE = (
    "kind <> 'erasure' OR (expert_id IS NOT NULL AND status_change_id IS NULL "
    "AND accreditation_request_id IS NULL)"
)
ERASURE = (
    "kind <> 'erasure' OR (expert_id IS NOT NULL AND status_change_id IS NULL "
    "AND accreditation_request_id IS NULL AND cpd_record_id IS NULL)"
)
CASE_FINDING_OWNER = (
    "case_id IS NULL OR (result = 'nonconforming' AND "
    "(centre_id IS NOT NULL OR action_owner IS NOT NULL))"
)


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cpd_record_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_cpd_record_id_cpd_records"),
            "cpd_records",
            ["cpd_record_id"],
            ["id"],
        )
        batch_op.create_unique_constraint(batch_op.f("uq_cases_cpd_record_id"), ["cpd_record_id"])
        batch_op.drop_constraint(batch_op.f("ck_cases_appeal_names_one_decision"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_cases_appeal_names_one_decision"), sa.text(ONE_DECISION)
        )
        batch_op.drop_constraint(batch_op.f("ck_cases_erasure_names_its_person"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_cases_erasure_names_its_person"), sa.text(ERASURE)
        )
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.alter_column("certificate_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("action_owner", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("closed_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_findings_case_id_cases"), "cases", ["case_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_findings_centre_id_training_centres"),
            "training_centres",
            ["centre_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_findings_closed_by_id_users"), "users", ["closed_by_id"], ["id"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_audit_findings_case_id"), ["case_id"])
        batch_op.create_check_constraint(batch_op.f("ck_audit_findings_one_origin"), ONE_ORIGIN)
        batch_op.create_check_constraint(
            batch_op.f("ck_audit_findings_case_finding_has_owner"), CASE_FINDING_OWNER
        )


def downgrade():
    op.execute("DELETE FROM audit_findings WHERE case_id IS NOT NULL")
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_audit_findings_case_finding_has_owner"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_audit_findings_one_origin"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_audit_findings_case_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_audit_findings_closed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_audit_findings_centre_id_training_centres"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_audit_findings_case_id_cases"), type_="foreignkey")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("closed_note")
        batch_op.drop_column("action_owner")
        batch_op.drop_column("centre_id")
        batch_op.drop_column("case_id")
        batch_op.alter_column("certificate_id", existing_type=sa.Integer(), nullable=False)
    op.execute(
        "DELETE FROM case_documents WHERE case_id IN "
        "(SELECT id FROM cases WHERE cpd_record_id IS NOT NULL)"
    )
    op.execute("DELETE FROM cases WHERE cpd_record_id IS NOT NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cases_erasure_names_its_person"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_cases_erasure_names_its_person"), sa.text(ERASURE_BEFORE)
        )
        batch_op.drop_constraint(batch_op.f("ck_cases_appeal_names_one_decision"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_cases_appeal_names_one_decision"), sa.text(ONE_DECISION_BEFORE)
        )
        batch_op.drop_constraint(batch_op.f("uq_cases_cpd_record_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_cases_cpd_record_id_cpd_records"), type_="foreignkey"
        )
        batch_op.drop_column("cpd_record_id")
