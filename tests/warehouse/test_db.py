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


def test_bulk_insert_stores_what_cores_insert_stores(warehouse_url):
    """Feed records and quarantine rows (JSON with Chinese text, None and nesting, dates,
    NULLs, a reserved column name) read back the same, JSON text included, either way."""
    import datetime as dt

    from sqlalchemy import cast, insert, select
    from sqlalchemy import Text as TextType

    from warehouse.db import bulk_insert
    from warehouse.models import FeedBatch, FeedRecord, Quarantine

    migrate(warehouse_url)
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        batches = [conn.execute(insert(FeedBatch).values(
            department="health", period="2026-10", source_file=f"卫健_{n}.csv", checksum=str(n) * 64,
            status="loaded").returning(FeedBatch.id)).scalar_one() for n in (1, 2)]

    def records(batch: int) -> list[dict]:
        return [{"batch_id": batch, "department": "health", "period": "2026-10",
                 "source_file": "卫健.csv", "source_row": row, "uid": f"{batch}-{row}",
                 "role": "person" if row % 2 else None, "name": "曾丽",
                 "township": None, "village": "石桥村", "group_name": None, "township_id": None,
                 "village_id": None, "record_hash": "h" * 32, "birth_date": dt.date(1961, 3, row),
                 "sex": "女", "id_masked": "500230********1234", "id_index": None,
                 "fields": {"diagnosis": "肺癌", "cost": 1234.5, "missing": None, "ok": True},
                 "raw": {"姓名": "曾丽", "nested": [1, {"a": "乙"}]},
                 "flags": [] if row % 2 else ["id_excel_precision_lost"]} for row in (1, 2, 3)]

    def bad(batch: int) -> list[dict]:
        return [{"batch_id": batch, "department": "health", "period": "2026-10",
                 "source_file": "卫健.csv", "source_row": 9, "reason": "id_checksum",
                 "column": "身份证号", "detail": None, "raw": {"身份证号": "500230********1234"}}]

    with engine.begin() as conn:
        conn.execute(insert(FeedRecord), records(batches[0]))
        conn.execute(insert(Quarantine), bad(batches[0]))
        bulk_insert(conn, FeedRecord.__table__, records(batches[1]))
        bulk_insert(conn, Quarantine.__table__, bad(batches[1]))
        bulk_insert(conn, Quarantine.__table__, [])  # nothing to write: no statement

    def stored(table) -> dict[int, list]:
        json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        cols = [cast(c, TextType).label(c.name) if c.name in json_cols else c
                for c in table.columns if c.name not in ("id", "batch_id", "uid")]
        with engine.connect() as conn:
            rows = conn.execute(select(table.c.batch_id, *cols).order_by(table.c.id)).all()
        out: dict[int, list] = {}
        for row in rows:
            out.setdefault(row[0], []).append(tuple(row[1:]))
        return out

    for table, count in ((FeedRecord.__table__, 3), (Quarantine.__table__, 1)):
        by_batch = stored(table)
        assert len(by_batch[batches[0]]) == count
        assert by_batch[batches[1]] == by_batch[batches[0]], table.name
    engine.dispose()
