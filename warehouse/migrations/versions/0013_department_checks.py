"""routed department checks and returns (issue 19; owner: department helper).

department_checks: a warning routed to the department that owns its risk type (归口核查) and
the department's reply. On PostgreSQL the portal runs a department user's transactions with
``shouwang.department`` set to the department (settings departments.rls_setting; '' for every
other user, unset = nothing), and:
- department_checks: the county, the warning's township, or the department itself;
- warnings and households: a department also reads (never writes) the warnings routed to it and
  their households; members, evidence, history and clocks follow through their own policies
  (0003, 0006, 0010), which read warnings and households under RLS;
- notifications: a department reads and posts the notices of the warnings routed to it;
- audit_log: a department reads back the entries it wrote (detail.department), as
  INSERT ... RETURNING needs.
Policies of one table are OR'd, so townships and the county are unaffected. The names are
spelled out because a migration is a snapshot.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "department_checks"
ROLE = "shouwang_portal"
TOWNSHIP = "coalesce(current_setting('shouwang.township', true), '')"
DEPARTMENT = "coalesce(current_setting('shouwang.department', true), '')"
ROUTED = f"(SELECT warning_id FROM {TABLE} WHERE department = {DEPARTMENT})"
IS_DEPARTMENT = f"{DEPARTMENT} <> ''"
# (table, policy name, command, USING) added for department users.
POLICIES = (
    (TABLE, "portal_scope", "ALL",
     f"{TOWNSHIP} = '*' OR township = {TOWNSHIP} OR department = {DEPARTMENT}"),
    ("warnings", "portal_department", "SELECT", f"{IS_DEPARTMENT} AND id IN {ROUTED}"),
    ("households", "portal_department", "SELECT",
     f"{IS_DEPARTMENT} AND id IN (SELECT household_id FROM warnings)"),
    ("notifications", "portal_department", "ALL",
     f"{IS_DEPARTMENT} AND (department = {DEPARTMENT} OR warning_id IN {ROUTED})"),
    ("audit_log", "portal_department", "SELECT",
     f"{IS_DEPARTMENT} AND (detail::jsonb ->> 'department') = {DEPARTMENT}"),
)


def upgrade() -> None:
    """Create the table and its indexes; on PostgreSQL the grants and row policies."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("routed_by", sa.String(length=64), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("reply_note", sa.Text(), nullable=True),
        sa.Column("replied_by", sa.String(length=64), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("warning_id", "department", "township"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    # A township or the county routes (INSERT); the department replies (UPDATE).
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON {TABLE} TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {TABLE}_id_seq TO {ROLE}")
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    for table, name, command, using in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} FOR {command} TO {ROLE} USING ({using})"
                   + (f" WITH CHECK ({using})" if command == "ALL" else ""))


def downgrade() -> None:
    """Drop the policies, then the table."""
    if op.get_bind().dialect.name == "postgresql":
        for table, name, _command, _using in reversed(POLICIES):
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    for column in ("township", "department", "warning_id"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)
