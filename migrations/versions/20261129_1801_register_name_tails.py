"""Public register: the names' word-start index, kept by triggers.

`expert_name_tails` holds each expert's `name_key` from each of its words to the end
("nguyen van hung", "van hung", "hung"): a search for a rare name reads a few rows of its
primary key instead of every listed expert (docs/performance.md). Triggers on `experts`
keep it, whatever writes a name (the ORM, a bulk statement, a name change); deleting an
expert deletes its rows (ON DELETE CASCADE). The rows of the experts already there are
written here.

SQLite: a trigger has no recursive queries, so the words come from `json_each` over the
name made a JSON array, and each word's start is the running sum of the lengths before it
(`search_key` leaves single spaces between words).

Revision ID: 20261129_1801
Revises: 20261129_1901
Create Date: 2026-11-29 18:01:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_1801"
down_revision = "20261129_1901"
branch_labels = None
depends_on = None

TABLE = "expert_name_tails"

# The rows of the experts in `{experts}`: a table or a subquery named `expert`.
SQLITE_TAILS = """
SELECT substr(name_key, start), id FROM (
    SELECT expert.id, expert.name_key, 1 + coalesce(sum(length(word.value) + 1) OVER (
        PARTITION BY expert.id ORDER BY word.key ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), 0) AS start
    FROM {experts}, json_each('[' || replace(json_quote(expert.name_key), ' ', '","') || ']') AS word
)"""
POSTGRESQL_TAILS = """
SELECT array_to_string(words[i:], ' '), expert.id
FROM {experts}, string_to_array(expert.name_key, ' ') AS words, generate_subscripts(words, 1) AS i"""
ALL_ROWS = "experts AS expert"
# In a trigger: the row written.
NEW_ROW = "(SELECT new.id AS id, new.name_key AS name_key) AS expert"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column(
            "tail",
            sa.String(length=200).with_variant(sa.String(200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_name_tails_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tail", "expert_id", name=op.f("pk_expert_name_tails")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_name_tails_expert_id"), ["expert_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(  # SQL from this file's constants only
            "CREATE FUNCTION registry_expert_name_tails() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
            "BEGIN "
            f"IF TG_OP = 'UPDATE' THEN DELETE FROM {TABLE} WHERE expert_id = OLD.id; END IF; "
            f"INSERT INTO {TABLE} (tail, expert_id) {POSTGRESQL_TAILS.format(experts=NEW_ROW)}; "
            "RETURN NULL; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER experts_name_tails AFTER INSERT OR UPDATE OF name_key ON experts "
            "FOR EACH ROW EXECUTE FUNCTION registry_expert_name_tails()"
        )
        tails = POSTGRESQL_TAILS
    else:
        insert = f"INSERT INTO {TABLE} (tail, expert_id) {SQLITE_TAILS.format(experts=NEW_ROW)};"
        op.execute(
            f"CREATE TRIGGER experts_name_tails_insert AFTER INSERT ON experts BEGIN {insert} END"
        )
        op.execute(  # SQL from this file's constants only
            "CREATE TRIGGER experts_name_tails_update AFTER UPDATE OF name_key ON experts BEGIN "  # noqa: S608
            f"DELETE FROM {TABLE} WHERE expert_id = old.id; {insert} END"
        )
        tails = SQLITE_TAILS
    op.execute(f"INSERT INTO {TABLE} (tail, expert_id) {tails.format(experts=ALL_ROWS)}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER experts_name_tails ON experts")
        op.execute("DROP FUNCTION registry_expert_name_tails()")
    else:
        op.execute("DROP TRIGGER experts_name_tails_insert")
        op.execute("DROP TRIGGER experts_name_tails_update")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_name_tails_expert_id"))
    op.drop_table(TABLE)
