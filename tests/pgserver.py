"""A throwaway PostgreSQL 15 server in a temp dir, started with Debian's pg_ctl (no Docker)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found: run `make postgres` (installs Debian's postgresql)")
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """Start with ``start()``, stop with ``stop()``; ``url(db)`` gives a SQLAlchemy URL."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shouwang-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *cmd: str) -> None:
        # PostgreSQL refuses to run as root; Debian's package ships a `postgres` user.
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run(prefix + list(cmd), check=True, capture_output=True, text=True)

    def start(self) -> "PgServer":
        """initdb and start the server on a free loopback port."""
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off " \
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run(_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"),
                  "-w", "-t", "60", "start")
        return self

    def url(self, db: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3) of database ``db``."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its files."""
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
