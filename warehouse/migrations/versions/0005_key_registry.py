"""The key registry: which master keys seal this warehouse's rows, with a check value per key.

A run whose keyring lacks a key in use, or whose key does not give the stored check value,
stops before writing (warehouse/key_registry.py). A warehouse created before this revision is
registered on first use from the key ids found in its tokens.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_registry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=12), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.Column("previous_key_id", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id"),
    )


def downgrade() -> None:
    op.drop_table("key_registry")
