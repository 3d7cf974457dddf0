"""Shared fixtures: a real PostgreSQL server per test worker, fresh warehouses, a keyed home."""
from __future__ import annotations

import base64
import os
import uuid

import pytest

from tests.pgserver import PgServer


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL 15 server for this test worker."""
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh SHOUWANG_HOME with a master key in the environment."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("SHOUWANG_HOME", str(h))
    monkeypatch.setenv("SHOUWANG_MASTER_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    monkeypatch.delenv("SHOUWANG_WAREHOUSE", raising=False)
    monkeypatch.delenv("SHOUWANG_CONFIG", raising=False)
    return h


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path):
    """An empty warehouse on SQLite and, as a second case, on real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def ctx(home, warehouse_url, monkeypatch):
    """A Context on a migrated warehouse (SQLite or PostgreSQL) with a keyed home."""
    from shouwang.context import Context
    from warehouse.db import migrate

    monkeypatch.setenv("SHOUWANG_WAREHOUSE", warehouse_url)
    migrate(warehouse_url)
    c = Context(warehouse=warehouse_url, home=home)
    yield c
    c.engine.dispose()
