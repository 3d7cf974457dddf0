"""The schema migrates on SQLite and PostgreSQL, matches the models, and audit_log is append-only."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from alembic.script import ScriptDirectory

from warehouse.db import alembic_config, in_chunks, make_engine, migrate
from warehouse.models import Base

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_migration_creates_schema_matching_models(warehouse_url):
    assert migrate(warehouse_url) == HEAD
    engine = make_engine(warehouse_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; run `make migration`: {diff}"


def test_migrate_twice_is_harmless(warehouse_url):
    migrate(warehouse_url)
    assert migrate(warehouse_url) == HEAD


def test_audit_log_rejects_update_and_delete(warehouse_url):
    migrate(warehouse_url)
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_log (at, actor, action, object_type, detail) "
            "VALUES (CURRENT_TIMESTAMP, 'a', 'view', 'household', '{}')"))
    for stmt in ("UPDATE audit_log SET actor = 'b'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(stmt))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["a"]
    engine.dispose()


def test_in_chunks_keeps_every_value_within_the_limit():
    values = set(range(25_001))
    parts = list(in_chunks(values, 10_000))
    assert [len(p) for p in parts] == [10_000, 10_000, 5_001]
    assert set().union(*parts) == values
    assert list(in_chunks([])) == []
