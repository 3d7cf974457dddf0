"""alerts: why a regional alert fired (`kind`: event | rate | both) and the words for people.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable `kind` and `reason` columns (alerts raised before stay without them)."""
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("kind")
