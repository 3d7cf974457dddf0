"""Fixtures for running the real DAGs: an embedded Airflow (SQLite metadata DB) in a subprocess.

Airflow reads its configuration once per process, so every DAG run happens in a fresh
`python -m shouwang.airflow_embedded` process pointed at the test's own folders.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dags.embedded import ROOT

# Retries stay on (retries ≥ 2) but wait a second, not minutes, so a failing task ends fast.
FAST_RETRIES = "airflow:\n  retry_delay_seconds: 1\n  max_retry_delay_seconds: 2\n"


@pytest.fixture(scope="session")
def metadata_template(tmp_path_factory) -> Path:
    """A migrated Airflow metadata DB, made once per test worker and copied into each test."""
    home = tmp_path_factory.mktemp("airflow-template")
    code = "from shouwang import airflow_embedded as e; from pathlib import Path; " \
           f"e.configure(Path({str(home)!r})); e.migrate_metadata()"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "AIRFLOW_HOME": str(home)}, timeout=300)
    return home / "airflow.db"


@pytest.fixture
def airflow_env(ctx, tmp_path, metadata_template) -> dict:
    """Environment of an embedded Airflow run on this test's warehouse, landing and out folders."""
    airflow_home = tmp_path / "airflow"
    airflow_home.mkdir()
    shutil.copy(metadata_template, airflow_home / "airflow.db")
    fast = tmp_path / "fast-retries.yaml"
    fast.write_text(FAST_RETRIES, encoding="utf-8")
    (tmp_path / "landing").mkdir()
    return {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "SHOUWANG_HOME": str(ctx.home),
        "SHOUWANG_WAREHOUSE": ctx.warehouse,
        "SHOUWANG_LANDING": str(tmp_path / "landing"),
        "SHOUWANG_OUT": str(tmp_path / "out"),
        "SHOUWANG_CONFIG": str(fast),
    }
