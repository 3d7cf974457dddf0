"""the help loop: policy list, contact cadres, measures, visits, risk elimination (issue 18).

policies: the county's policy list (政策清单) with each policy's eligibility rule, kind and
risk types. It is county-wide and public, so there is no row policy; the portal only reads it
(the CLI loads it as the owner).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ROLE = "shouwang_portal"
POLICIES = "policies"


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


def downgrade() -> None:
    """Drop the help loop's tables."""
    op.drop_table(POLICIES)
