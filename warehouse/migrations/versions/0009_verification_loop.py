"""the verification loop: identification steps, per-step clocks (issue 16; owner: loop helper).

Adds ``identification_steps`` (append-only like warning_history in 0006: corrections are new
rows; on PostgreSQL the portal role may INSERT and reads only through the warnings it may see),
the fields a history entry changed (``warning_history.fields``), and on ``verification_tasks``
the 无法联系 attempts, the next attempt's day and the identification round. Names are spelled
out because a migration is a snapshot.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "identification_steps"
ROLE = "shouwang_portal"
SCOPE = ("coalesce(current_setting('shouwang.township', true), '') = '*' "
         "OR warning_id IN (SELECT id FROM warnings)")
TASK_COLUMNS = (
    sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
    sa.Column("next_attempt", sa.Date(), nullable=True),
    sa.Column("identification_round", sa.Integer(), server_default="0", nullable=False),
)


def upgrade() -> None:
    """Create the steps table with its triggers and policy; add the history and task columns."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_identification_steps_warning_id"), TABLE, ["warning_id"], unique=False)
    # Plain ADD COLUMN (no batch copy): a copy of warning_history would lose its triggers.
    op.add_column("warning_history", sa.Column("fields", sa.JSON(), nullable=True))
    for column in TASK_COLUMNS:
        op.add_column("verification_tasks", column.copy())
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
    # A cadre's or the county's step appends a row through the portal's role.
    op.execute(f"GRANT INSERT ON {TABLE} TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {TABLE}_id_seq TO {ROLE}")


def downgrade() -> None:
    """Drop the task and history columns, the policy, the triggers and the table."""
    with op.batch_alter_table("verification_tasks") as batch_op:
        for column in reversed(TASK_COLUMNS):
            batch_op.drop_column(column.name)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        # SQLite 3.35+ drops a column in place (no table copy, the history triggers stay).
        op.execute("ALTER TABLE warning_history DROP COLUMN fields")
    else:
        op.drop_column("warning_history", "fields")
        op.execute(f"DROP POLICY IF EXISTS portal_scope ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    op.drop_index(op.f("ix_identification_steps_warning_id"), table_name=TABLE)
    op.drop_table(TABLE)
