"""Erasure requests: a case of its own kind; an expert's row remembers when it was erased.

`cases.kind` takes 'erasure' (its CHECK is rebuilt), and an erasure case names the person
and no decision. `experts.erased_at` marks a row whose personal data was erased (the rest is
kept, pseudonymised, as certification records require: docs/retention.md).

Revision ID: 20261129_1501
Revises: 20261129_1101
Create Date: 2026-11-29 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1501"
down_revision = "20261129_1101"
branch_labels = None
depends_on = None

ERASURE_NAMES_ITS_PERSON = (
    "kind <> 'erasure' OR (expert_id IS NOT NULL AND status_change_id IS NULL "
    "AND accreditation_request_id IS NULL)"
)


def _kinds(*kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_cases_kind"), _kinds("appeal", "complaint", "erasure")
        )
        batch_op.create_check_constraint(
            op.f("ck_cases_erasure_names_its_person"), ERASURE_NAMES_ITS_PERSON
        )
    op.add_column("experts", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # SQLite drops the column in place (3.35+): a batch rebuild of `experts` would have to
    # restate its partial indexes.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("experts", "erased_at")
    else:
        op.execute("ALTER TABLE experts DROP COLUMN erased_at")
    op.execute(
        "DELETE FROM case_documents WHERE case_id IN (SELECT id FROM cases WHERE kind = 'erasure')"
    )
    op.execute("DELETE FROM cases WHERE kind = 'erasure'")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_erasure_names_its_person"), type_="check")
        batch_op.drop_constraint(op.f("ck_cases_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_cases_kind"), _kinds("appeal", "complaint"))
