"""self-reports and staff-entered leads (issue 17; owner: intake helper).

channel_inputs: one row per self-report or lead, ID and phone sealed as the roster's. On
PostgreSQL the portal role (public reporters, staff) may INSERT a row the daily merge has not
touched, and SELECT a township's rows (as 0003) or the one row whose receipt the request put in
the setting ``shouwang.receipt`` (the public status page); the same setting lets it read the
status of the warning that row was merged into. Names are spelled out: a migration is a snapshot
(settings portal.db_role, portal.township_setting, reports.receipt_setting).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "channel_inputs"
ROLE = "shouwang_portal"
SETTING = "coalesce(current_setting('shouwang.township', true), '')"
RECEIPT = "coalesce(current_setting('shouwang.receipt', true), '')"
READ = f"{SETTING} = '*' OR township = {SETTING} OR (receipt = {RECEIPT} AND {RECEIPT} <> '')"
# The portal files inputs; only the daily merge (the owner) says what became of them.
INSERT_CHECK = ("merged_at IS NULL AND merge_result IS NULL AND household_id IS NULL "
                "AND warning_id IS NULL")
WARNING_BY_RECEIPT = (f"id IN (SELECT warning_id FROM {TABLE} "
                      f"WHERE receipt = {RECEIPT} AND {RECEIPT} <> '')")
INDEXED = ("household_id", "id_index", "period", "phone_index", "received_at", "township",
           "warning_id")


def upgrade() -> None:
    """Create the table and its indexes; on PostgreSQL the portal's grants and row policies."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone_cipher", sa.Text(), nullable=True),
        sa.Column("phone_index", sa.String(length=32), nullable=True),
        sa.Column("phone_masked", sa.String(length=16), nullable=True),
        sa.Column("township", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=64), nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=True),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("risk_type", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merge_result", sa.String(length=12), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("id_cipher", sa.Text(), nullable=True),
        sa.Column("id_index", sa.String(length=32), nullable=True),
        sa.Column("id_key0", sa.String(length=32), nullable=True),
        sa.Column("id_key1", sa.String(length=32), nullable=True),
        sa.Column("id_key2", sa.String(length=32), nullable=True),
        sa.Column("id_key3", sa.String(length=32), nullable=True),
        sa.Column("id_status", sa.String(length=32), nullable=True),
        sa.Column("id_region", sa.String(length=6), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=2), nullable=True),
        sa.Column("id_masked", sa.String(length=18), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["township_id"], ["regions.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["regions.id"]),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt"),
        sa.UniqueConstraint("uid"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_{TABLE}_{column}"), [column], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY portal_read ON {TABLE} FOR SELECT TO {ROLE} USING ({READ})")
    op.execute(f"CREATE POLICY portal_file ON {TABLE} FOR INSERT TO {ROLE} "
               f"WITH CHECK ({INSERT_CHECK})")
    op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {TABLE}_id_seq TO {ROLE}")
    # Permissive policies add up: the reporter holding a receipt reads that one warning's status.
    op.execute(f"CREATE POLICY portal_receipt ON warnings FOR SELECT TO {ROLE} "
               f"USING ({WARNING_BY_RECEIPT})")


def downgrade() -> None:
    """Drop the policies and the table."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS portal_receipt ON warnings")
        op.execute(f"DROP POLICY IF EXISTS portal_file ON {TABLE}")
        op.execute(f"DROP POLICY IF EXISTS portal_read ON {TABLE}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in reversed(INDEXED):
            batch_op.drop_index(batch_op.f(f"ix_{TABLE}_{column}"))
    op.drop_table(TABLE)
