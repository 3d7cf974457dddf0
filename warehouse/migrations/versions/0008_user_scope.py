"""users: the village, grid and department an account is bound to (roles village, grid, department).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("village", "grid", "department")


def upgrade() -> None:
    """Add three nullable columns; existing accounts keep their township scope."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
