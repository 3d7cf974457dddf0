"""One run at a time per warehouse: a PostgreSQL advisory lock, or a file lock beside SQLite.

`shouwang run`, `ingest`, `match`, `screen` and `publish` hold the warehouse lock exclusively
for their whole length; one landed file's ingest (an Airflow mapped task) and `feeds accept`
hold it shared, so departments still load in parallel, never during a run. A second holder
WAITS, saying once who holds it ("another run holds the warehouse since HH:MM (pid N);
waiting…"), up to settings ``pipeline.lock_wait_seconds``; then it stops with `WarehouseBusy`,
one line. A holder that dies frees the lock: PostgreSQL ends its session, the OS closes its
file. The lock is re-entrant within a thread, so `run` reuses it for its stages.

PostgreSQL: ``pg_advisory_lock(namespace, 1)`` on a dedicated connection held for the run; its
``application_name`` carries the holder's pid and start for the waiter's message.
SQLite: ``fcntl.flock`` on ``<database file>.lock`` (holder written into the file).

Inside one feed's loading transaction, `lock_feed` serialises the "same file?" check and the
load of one department and period: ``pg_advisory_xact_lock`` on PostgreSQL (other
departments go on in parallel), ``BEGIN IMMEDIATE`` (SQLite's single writer) on SQLite.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from shouwang.core.errors import UserError

# First key of Shouwang's advisory locks ("SW", "SX"); the second names the run or the feed.
NAMESPACE = 0x5357
FEED_NAMESPACE = 0x5358
RUN_KEY = 1
_TAG = re.compile(r"shouwang pid=(?P<pid>\d+) since=(?P<since>\d+)")
_held = threading.local()


class WarehouseBusy(UserError):
    """Another run kept the warehouse longer than ``pipeline.lock_wait_seconds``."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as far as the lock tells: the process id and since when."""

    pid: int | None = None
    since: float | None = None  # epoch seconds

    def describe(self) -> str:
        """"since HH:MM (pid N)", or what is known of it."""
        when = dt.datetime.fromtimestamp(self.since).strftime("%H:%M") if self.since else "?"
        return f"since {when} (pid {self.pid if self.pid is not None else '?'})"


def tag() -> str:
    """This process as a lock holder: pid and start, parsed back by `parse_tag`."""
    return f"shouwang pid={os.getpid()} since={int(time.time())}"


def parse_tag(value: str | None) -> Holder:
    """The Holder a tag names (an empty Holder when the tag is unreadable)."""
    m = _TAG.search(value or "")
    return Holder(int(m["pid"]), float(m["since"])) if m else Holder()


class _PgRunLock:
    """Session advisory lock on a connection of its own (closing it releases the lock)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.conn = None

    def try_acquire(self, shared: bool) -> bool:
        if self.conn is None:
            self.conn = self.engine.connect()
            self.conn.execute(text("SELECT set_config('application_name', :t, false)"),
                              {"t": tag()})
        fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        return bool(self.conn.execute(text(f"SELECT {fn}(:ns, :key)"),
                                      {"ns": NAMESPACE, "key": RUN_KEY}).scalar())

    def holder(self) -> Holder:
        # A two-int advisory lock shows as classid = first key, objid = second, objsubid = 2.
        name = self.conn.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            "AND l.classid::bigint = :ns AND l.objid::bigint = :key "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.pid <> pg_backend_pid() ORDER BY a.backend_start LIMIT 1"),
            {"ns": NAMESPACE, "key": RUN_KEY}).scalar()
        return parse_tag(name)

    def release(self) -> None:
        if self.conn is not None:
            self.conn.close()  # the session ends: every advisory lock it held goes with it
            self.conn = None
        self.engine.dispose()


class _FileRunLock:
    """flock on a file beside the SQLite database; the OS releases it when the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_acquire(self, shared: bool) -> bool:
        import fcntl

        if self.fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, tag().encode(), 0)
        return True

    def holder(self) -> Holder:
        try:
            return parse_tag(self.path.read_text(encoding="ascii", errors="replace"))
        except OSError:
            return Holder()

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None


def lock_file(url: str, home: Path) -> Path:
    """The SQLite warehouse's lock file: beside the database, or in SHOUWANG_HOME for :memory:."""
    path = url.split(":///", 1)[-1] if ":///" in url else ""
    if not path or path == ":memory:":
        return Path(home) / "warehouse.lock"
    return Path(path + ".lock")


def _backend(ctx):
    if ctx.warehouse.startswith("postgresql"):
        return _PgRunLock(ctx.warehouse)
    return _FileRunLock(lock_file(ctx.warehouse, ctx.home))


def _say(message: str) -> None:
    print(f"shouwang: {message}", file=sys.stderr, flush=True)


@contextmanager
def warehouse_lock(ctx, *, shared: bool = False,
                   notify: Callable[[str], None] = _say) -> Iterator[None]:
    """Hold the warehouse's run lock for the block (see the module docstring); re-entrant."""
    held: dict = _held.__dict__.setdefault("locks", {})
    key = ctx.warehouse
    if key in held:
        mode, count = held[key]
        if mode == "shared" and not shared:
            raise RuntimeError("warehouse lock: an exclusive hold inside a shared one would "
                               "wait for itself; take the exclusive lock first")
        held[key] = (mode, count + 1)
        try:
            yield
        finally:
            held[key] = (mode, held[key][1] - 1)
        return
    cfg = ctx.settings["pipeline"]
    wait, poll = float(cfg["lock_wait_seconds"]), float(cfg["lock_poll_seconds"])
    lock = _backend(ctx)
    try:
        _acquire(lock, shared, wait, poll, notify)
        held[key] = ("shared" if shared else "exclusive", 1)
        try:
            yield
        finally:
            del held[key]
    finally:
        lock.release()


def _acquire(lock, shared: bool, wait: float, poll: float,
             notify: Callable[[str], None]) -> None:
    deadline = time.monotonic() + wait
    told = False
    while not lock.try_acquire(shared):
        holder = lock.holder().describe()
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"another run still holds the warehouse {holder} after {wait:g} s of waiting; "
                "let it finish and run again, or raise settings pipeline.lock_wait_seconds")
        if not told:
            notify(f"another run holds the warehouse {holder}; waiting…")
            told = True
        time.sleep(max(0.0, min(poll, deadline - time.monotonic())))


def feed_key(department: str, period: str) -> int:
    """The advisory key of one department and period (a signed 32-bit int)."""
    digest = hashlib.sha256(f"{department}/{period}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def lock_feed(conn, department: str, period: str) -> None:
    """Hold ``department``/``period`` until ``conn``'s transaction ends; call it FIRST in it.

    PostgreSQL: pg_advisory_xact_lock (feeds of other departments load in parallel).
    SQLite: BEGIN IMMEDIATE, the database's one write lock, taken before the first read so the
    "same file?" check and the load see and write the same state.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                     {"ns": FEED_NAMESPACE, "key": feed_key(department, period)})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
