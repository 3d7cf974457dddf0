"""Engines, sessions and migrations for the warehouse (SQLite embedded, PostgreSQL in production)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

from sqlalchemy import DateTime, create_engine, event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
# psycopg sends at most 65,535 parameters per statement and SQLite builds may allow only
# 32,766: an IN list over every household or person of a county goes in pieces this big.
IN_LIST_CHUNK = 10_000
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # noqa: ANN001 - DBAPI connection
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def in_chunks(values: Iterable[T], size: int = IN_LIST_CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, for IN clauses within the parameter limit."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def alembic_config(url: str):  # -> alembic.config.Config
    """An Alembic config pointing at our migrations and ``url`` (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> str:
    """Create or upgrade the warehouse schema to the newest revision; return that revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev or ""


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = sessionmaker(engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def sqlite_page_cache(conn, mb: int) -> Iterator[None]:
    """On SQLite, a page cache of ``mb`` MB for the block (bulk writes); restored afterwards.

    Persons and feed_records carry indexes of random keys (uid, id_index; phone_index on
    persons): with SQLite's default 2 MB cache every insert re-reads index pages.
    Other databases, or ``mb <= 0``: nothing changes.
    """
    if conn.dialect.name != "sqlite" or mb <= 0:
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(mb) * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """Insert rows that all have the same keys: COPY on psycopg 3, one driver executemany on
    SQLite, Core's insert otherwise; the stored values are those Core's insert stores.

    Core's insert processes every parameter of every row in Python (a third of a county's
    person writes); here only columns whose type has a bind processor (JSON, and dates and
    booleans on SQLite) are converted, by that same processor.
    """
    if not rows:
        return
    names = list(rows[0])
    # Python-side column defaults (households.updated_at) that Core would have filled in.
    defaults = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    if defaults:
        names += [c.name for c in defaults]
        rows = [{**row, **{c.name: c.default.arg if c.default.is_scalar else c.default.arg(None)
                           for c in defaults}} for row in rows]
    dialect = conn.dialect
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg" and not any(
        # COPY reads an aware datetime's text where a bound parameter converts it through the
        # session time zone: stored values must not depend on the path.
        isinstance(table.c[n].type, DateTime) for n in names)
    if not copy and dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    convert = []
    for i, name in enumerate(names):
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process:  # JSON turns None into 'null' as Core does; other types keep NULL
            convert.append((i, process, column_type.should_evaluate_none))
    params = []
    for row in rows:
        values = [row[n] for n in names]
        for i, process, evaluate_none in convert:
            if values[i] is not None or evaluate_none:
                values[i] = process(values[i])
        params.append(tuple(values))
    quote = dialect.identifier_preparer.quote
    target = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, names))})"
    if copy:  # in this connection's transaction
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {target} FROM STDIN") as stream:
            for values in params:
                stream.write_row(values)
        return
    conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({', '.join('?' * len(names))})", params)
