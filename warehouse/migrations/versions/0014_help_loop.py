"""the help loop: policy list, contact cadres, measures, visits, risk elimination (issue 18).

policies: the county's policy list (政策清单) with each policy's eligibility rule, kind and
risk types. It is county-wide and public, so there is no row policy; the portal only reads it
(the CLI loads it as the owner).

The household's case: help_contacts (the contact cadre, phone sealed), help_measures,
help_plan_decisions, help_visits and elimination_steps. All append-only like
identification_steps in 0009 (a correction is a new row); help_contacts lets key rotation
rewrite its sealed pair and nothing else. On PostgreSQL the portal role inserts them and reads
only its households' rows; it may set a household's risk status (风险已消除, county only in the
app) and append to household_history (closing the running row's valid_to).

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ROLE = "shouwang_portal"
POLICIES = "policies"
CASE_TABLES = ("help_contacts", "help_measures", "help_plan_decisions", "help_visits",
               "elimination_steps")
# help_contacts: key rotation re-seals phone_cipher/phone_index; every other column is fixed.
CONTACT_FIXED = ("id", "uid", "household_id", "cadre", "phone_masked", "day", "actor",
                 "recorded_at")
HOUSEHOLD_SCOPE = ("coalesce(current_setting('shouwang.township', true), '') = '*' "
                   "OR household_id IN (SELECT id FROM households)")


def _case_columns() -> dict[str, list]:
    """The case tables' columns beyond id, household_id, actor and recorded_at."""
    return {
        "help_contacts": [
            sa.Column("uid", sa.String(length=32), nullable=False),
            sa.Column("cadre", sa.String(length=64), nullable=False),
            sa.Column("phone_cipher", sa.Text(), nullable=True),
            sa.Column("phone_index", sa.String(length=32), nullable=True),
            sa.Column("phone_masked", sa.String(length=16), nullable=True),
            sa.Column("day", sa.Date(), nullable=False),
            sa.UniqueConstraint("uid"),
        ],
        "help_measures": [
            sa.Column("policy", sa.String(length=64), nullable=False),
            sa.Column("kind", sa.String(length=8), nullable=False),
            sa.Column("help_type", sa.String(length=32), nullable=True),
            sa.Column("start_date", sa.Date(), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),
        ],
        "help_plan_decisions": [
            sa.Column("decision", sa.String(length=8), nullable=False),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.Column("measures", sa.Integer(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
        ],
        "help_visits": [
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("mode", sa.String(length=8), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),
            sa.Column("income_month", sa.Float(), nullable=True),
        ],
        "elimination_steps": [
            sa.Column("round", sa.Integer(), nullable=False),
            sa.Column("step", sa.String(length=16), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("end_date", sa.Date(), nullable=True),
            sa.Column("result", sa.String(length=8), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
        ],
    }


def _create_case_tables() -> None:
    """The case tables and their household indexes."""
    for table, columns in _case_columns().items():
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("household_id", sa.Integer(), nullable=False),
            *columns,
            sa.Column("actor", sa.String(length=64), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f(f"ix_{table}_household_id"), table, ["household_id"], unique=False)
    op.create_index(op.f("ix_help_contacts_phone_index"), "help_contacts", ["phone_index"],
                    unique=False)


def _sqlite_append_only() -> None:
    """Triggers refusing UPDATE (of fixed columns, for help_contacts) and DELETE."""
    for table in CASE_TABLES:
        fixed = f" OF {', '.join(CONTACT_FIXED)}" if table == "help_contacts" else ""
        for verb, what in (("update", f"UPDATE{fixed}"), ("delete", "DELETE")):
            op.execute(f"CREATE TRIGGER {table}_no_{verb} BEFORE {what} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _postgres_case_security() -> None:
    """Append-only triggers, the portal's row policies and grants."""
    for table in CASE_TABLES:
        op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
        if table == "help_contacts":
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OF "
                       f"{', '.join(CONTACT_FIXED)} ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
        else:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY portal_scope ON {table} TO {ROLE} USING ({HOUSEHOLD_SCOPE})")
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {ROLE}")
    # The county's confirmation marks the household 风险已消除 and appends its history.
    op.execute(f"GRANT UPDATE (risk_status, updated_at) ON households TO {ROLE}")
    op.execute(f"GRANT INSERT, UPDATE (valid_to) ON household_history TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE household_history_id_seq TO {ROLE}")


def upgrade() -> None:
    """Create the help loop's tables; on PostgreSQL their grants and row policies."""
    op.create_table(
        POLICIES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("help_type", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("target_group", sa.Text(), nullable=True),
        sa.Column("target_condition", sa.Text(), nullable=True),
        sa.Column("procedure", sa.Text(), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("risk_types", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT ON {POLICIES} TO {ROLE}")
    _create_case_tables()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_append_only()
    else:
        _postgres_case_security()


def downgrade() -> None:
    """Drop the help loop's tables."""
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(f"REVOKE UPDATE (risk_status, updated_at) ON households FROM {ROLE}")
        op.execute(f"REVOKE INSERT, UPDATE (valid_to) ON household_history FROM {ROLE}")
    for table in reversed(CASE_TABLES):
        if postgres:
            op.execute(f"DROP POLICY IF EXISTS portal_scope ON {table}")
            op.execute(f"DROP TABLE {table}")  # its triggers go with it
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
            continue
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        op.drop_table(table)
    op.drop_table(POLICIES)
