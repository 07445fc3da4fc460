"""Public reasons are codes: a suspension or withdrawal names one from a short list.

`status_changes.reason_code` and `certificates.reason_code` hold it (a CHECK limits it to
the list); verification shows its words, never the officer's note (`reason`,
`status_reason`), which stays for the file. Certificates already suspended or withdrawn get
`requirements_no_longer_met`, the broadest code that is true of them all; their history rows
stay as written (the status history is append-only, and their notes were never public).

On SQLite the columns are added with their CHECK inline (ALTER TABLE ADD COLUMN takes one),
so that the append-only triggers of `status_changes` are not lost to a table rebuild.

Revision ID: 20261129_0901
Revises: 20261129_0301
Create Date: 2026-11-29 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0901"
down_revision = "20261129_0601"
branch_labels = None
depends_on = None

CODES = (
    "under_review_after_complaint",
    "requirements_no_longer_met",
    "at_holders_request",
    "misuse_of_certificate",
    "code_of_conduct_breach",
)
TABLES = ("status_changes", "certificates")
LENGTH = max(len(code) for code in CODES)
ALLOWED = "reason_code IN (" + ", ".join(f"'{code}'" for code in CODES) + ")"


def upgrade():
    for table in TABLES:
        name = f"ck_{table}_reason_code"
        if op.get_bind().dialect.name == "postgresql":
            op.add_column(table, sa.Column("reason_code", sa.String(length=LENGTH), nullable=True))
            op.create_check_constraint(name, table, ALLOWED)
        else:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN reason_code VARCHAR({LENGTH}) "
                f"CONSTRAINT {name} CHECK ({ALLOWED})"
            )
    op.execute(
        "UPDATE certificates SET reason_code = 'requirements_no_longer_met' "
        "WHERE status IN ('suspended', 'withdrawn')"
    )


def downgrade():
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            op.drop_constraint(f"ck_{table}_reason_code", table, type_="check")
        op.drop_column(table, "reason_code")
