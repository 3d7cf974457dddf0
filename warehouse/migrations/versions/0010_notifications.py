"""notifications and escalations of overdue steps (issue 16; owner: clocks helper).

warning_clocks: one run of a step's clock on a warning; notifications: messages for a township,
the county or a department; notification_seen: how far each user has read. On PostgreSQL the
portal role reads a township's clocks through the warnings it may see (as warning_history in
0006) and its township's notifications; it starts and stops clocks and posts notifications
when a cadre records a step. The names are spelled out because a migration is a snapshot.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ROLE = "shouwang_portal"
SETTING = "coalesce(current_setting('shouwang.township', true), '')"
COUNTY = f"{SETTING} = '*'"
POLICIES = {
    "warning_clocks": f"{COUNTY} OR warning_id IN (SELECT id FROM warnings)",
    "notifications": f"{COUNTY} OR township = {SETTING}",
}
# table -> what the portal may do besides SELECT, and whether it has an id sequence.
GRANTS = {
    "warning_clocks": ("INSERT, UPDATE", True),
    "notifications": ("INSERT", True),
    "notification_seen": ("INSERT, UPDATE", False),
}


def upgrade() -> None:
    """Create the three tables; on PostgreSQL the portal's grants and row policies."""
    op.create_table(
        "warning_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("escalated_department_on", sa.Date(), nullable=True),
        sa.Column("escalated_township_on", sa.Date(), nullable=True),
        sa.Column("escalated_county_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("warning_id", "clock", "started_on"),
    )
    op.create_index(op.f("ix_warning_clocks_warning_id"), "warning_clocks", ["warning_id"],
                    unique=False)
    op.create_index(op.f("ix_warning_clocks_due_on"), "warning_clocks", ["due_on"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_notifications_township"), "notifications", ["township"], unique=False)
    op.create_index(op.f("ix_notifications_warning_id"), "notifications", ["warning_id"],
                    unique=False)
    op.create_table(
        "notification_seen",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (verbs, sequence) in GRANTS.items():
        op.execute(f"GRANT SELECT, {verbs} ON {table} TO {ROLE}")
        if sequence:
            op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {ROLE}")
    for table, using in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY portal_scope ON {table} TO {ROLE} USING ({using})")


def downgrade() -> None:
    """Drop the policies and the tables."""
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS portal_scope ON {table}")
    op.drop_table("notification_seen")
    op.drop_index(op.f("ix_notifications_warning_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_township"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_warning_clocks_due_on"), table_name="warning_clocks")
    op.drop_index(op.f("ix_warning_clocks_warning_id"), table_name="warning_clocks")
    op.drop_table("warning_clocks")
