"""warning_history: an append-only row per change of a warning (opened, level, withdrawn, status).

Triggers reject UPDATE and DELETE as migration 0002 does for audit_log. On PostgreSQL the
portal role reads a township's history only through the warnings it may see (as
warning_evidence in 0003); the names are spelled out because a migration is a snapshot.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "warning_history"
ROLE = "shouwang_portal"
SCOPE = ("coalesce(current_setting('shouwang.township', true), '') = '*' "
         "OR warning_id IN (SELECT id FROM warnings)")


def upgrade() -> None:
    """Create the table, its index, the append-only triggers and the portal's row policy."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_warning_history_warning_id"), TABLE, ["warning_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{TABLE} is append-only'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        f"ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()"
    )
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY portal_scope ON {TABLE} TO {ROLE} USING ({SCOPE})")
    # A cadre's outcome appends a history row through the portal's role.
    op.execute(f"GRANT INSERT ON {TABLE} TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {TABLE}_id_seq TO {ROLE}")


def downgrade() -> None:
    """Drop the policy, the triggers and the table."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    else:
        op.execute(f"DROP POLICY IF EXISTS portal_scope ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    op.drop_index(op.f("ix_warning_history_warning_id"), table_name=TABLE)
    op.drop_table(TABLE)
