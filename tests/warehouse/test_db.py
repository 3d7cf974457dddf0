"""The schema migrates on SQLite and PostgreSQL, matches the models, and audit_log is append-only."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from alembic.script import ScriptDirectory

from warehouse.db import alembic_config, in_chunks, make_engine, migrate, sqlite_page_cache
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


def test_the_bulk_write_page_cache_is_sqlites_only_and_restored(warehouse_url):
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            with sqlite_page_cache(conn, 256):  # nothing to do, nothing sent
                assert conn.execute(text("SELECT 1")).scalar() == 1
            return
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with sqlite_page_cache(conn, 256):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -256 * 1024
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before
        with sqlite_page_cache(conn, 0):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before
