"""Drop indexes no query uses: the typo-tolerant ID keys, and feed_records' department and record_hash.

Matching reads a period's records and the roster once and blocks on the typo keys in memory;
exact duplicates are merged within one load, in memory too; feed_records are selected by
batch and period. So these ten indexes were only written: at a county's scale a quarter of
roster and ingest time went into keeping them. ``id_index`` (one person's ID) stays indexed.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEYS = ("id_key0", "id_key1", "id_key2", "id_key3")
# table -> its columns whose index goes.
UNUSED = {"persons": KEYS, "feed_records": (*KEYS, "department", "record_hash")}


def upgrade() -> None:
    for table, columns in UNUSED.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, columns in UNUSED.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
