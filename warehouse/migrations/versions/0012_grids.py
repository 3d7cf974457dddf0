"""grids and household_grids: the village's grid ledger and each household's grid (issue 17).

On PostgreSQL the portal role reads a grid and a household's grid only in its township (the
grid and village roles are narrowed further by the app, portal/principal.py); the names are
spelled out because a migration is a snapshot. The portal writes neither table.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROLE = "shouwang_portal"
SETTING = "coalesce(current_setting('shouwang.township', true), '')"
SCOPE = f"{SETTING} = '*' OR township = {SETTING}"
TABLES = ("grids", "household_grids")


def upgrade() -> None:
    """Create both tables, their indexes and the portal's row policies."""
    op.create_table(
        "grids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=True),
        sa.Column("households_declared", sa.Integer(), nullable=True),
        sa.Column("worker_name", sa.String(length=64), nullable=True),
        sa.Column("worker_role", sa.String(length=64), nullable=True),
        sa.Column("worker_phone_cipher", sa.Text(), nullable=True),
        sa.Column("worker_phone_index", sa.String(length=32), nullable=True),
        sa.Column("worker_phone_masked", sa.String(length=24), nullable=True),
        sa.Column("cadre_name", sa.String(length=64), nullable=True),
        sa.Column("cadre_title", sa.String(length=64), nullable=True),
        sa.Column("cadre_phone_cipher", sa.Text(), nullable=True),
        sa.Column("cadre_phone_index", sa.String(length=32), nullable=True),
        sa.Column("cadre_phone_masked", sa.String(length=24), nullable=True),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("township", "village", "name"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(op.f("ix_grids_township"), "grids", ["township"], unique=False)
    op.create_table(
        "household_grids",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.PrimaryKeyConstraint("household_id"),
    )
    op.create_index(op.f("ix_household_grids_grid_id"), "household_grids", ["grid_id"],
                    unique=False)
    op.create_index(op.f("ix_household_grids_township"), "household_grids", ["township"],
                    unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"GRANT SELECT ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY portal_scope ON {table} TO {ROLE} USING ({SCOPE})")


def downgrade() -> None:
    """Drop the policies, indexes and tables."""
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS portal_scope ON {table}")
    op.drop_index(op.f("ix_household_grids_township"), table_name="household_grids")
    op.drop_index(op.f("ix_household_grids_grid_id"), table_name="household_grids")
    op.drop_table("household_grids")
    op.drop_index(op.f("ix_grids_township"), table_name="grids")
    op.drop_table("grids")
