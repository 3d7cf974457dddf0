"""DagBag integrity: every DAG file imports, with the expected ids, tags, retries and docs,
and parsing stays cheap (no heavy libraries, no warehouse, well under a second a file)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shouwang.airflow_embedded import DAG_ORDER, DAGS_FOLDER, embedded_env

DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if p.name != "__init__.py")
# Libraries that belong inside tasks: importing them at parse time slows every scheduler loop.
HEAVY = ("pandas", "great_expectations", "openpyxl", "rapidfuzz", "matching",
         "screening", "expectations", "warehouse.db")
# The department list comes from the contracts (plain declarations, ~20 ms): the DAGs may read
# the catalog, never the connectors that read files.
CATALOG = ("connectors", "connectors.catalog", "connectors.contract", "connectors.departments")
PARSE_SECONDS = 2.0


@pytest.fixture(scope="module")
def dagbag_cls(tmp_path_factory):
    """Airflow's DagBag, with Airflow configured on a throwaway home before its first import."""
    saved = dict(os.environ)
    os.environ.update(embedded_env(tmp_path_factory.mktemp("airflow-home")))
    from airflow.dag_processing.dagbag import DagBag

    yield DagBag
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def dagbag(dagbag_cls):
    """All DAGs of dags/."""
    return dagbag_cls(str(DAGS_FOLDER))


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_imports_quickly(dagbag_cls, path: Path):
    """Each file parses without an import error, fast."""
    started = time.perf_counter()
    bag = dagbag_cls(str(path))
    elapsed = time.perf_counter() - started
    assert not bag.import_errors, f"{path.name} failed to import: {bag.import_errors}"
    assert bag.dag_ids, f"{path.name} defines no DAG"
    assert elapsed < PARSE_SECONDS, f"{path.name} took {elapsed:.2f}s to parse"


def test_expected_dags(dagbag):
    """Exactly our three DAG ids."""
    assert sorted(dagbag.dag_ids) == sorted(DAG_ORDER)


@pytest.mark.parametrize("dag_id", DAG_ORDER)
def test_dag_settings(dagbag, dag_id: str):
    """Tags, docs from the module docstring, retries ≥ 2 with backoff, a failure callback."""
    dag = dagbag.dags[dag_id]
    assert "shouwang" in dag.tags and len(dag.tags) >= 2
    assert dag.doc_md and dag.doc_md.lstrip().startswith(f"### {dag_id}")
    for task in dag.tasks:
        assert task.retries >= 2, f"{dag_id}.{task.task_id} retries {task.retries}"
        assert task.retry_exponential_backoff > 1, f"{dag_id}.{task.task_id} has no backoff"
        assert task.on_failure_callback, f"{dag_id}.{task.task_id} has no failure callback"


def test_ingest_is_mapped_and_emits_assets(dagbag):
    """feed_ingest maps over landed files and emits through the ingested alias."""
    dag = dagbag.dags["feed_ingest"]
    ingest = dag.get_task("ingest_feed")
    assert type(ingest).__name__.endswith("MappedOperator")
    assert [o.name for o in ingest.outlets] == ["shouwang_ingested"]
    assert dag.get_task("landed_feeds").mode == "reschedule"
    assert dag.get_task("report_feeds").trigger_rule == "all_done"


def test_publish_is_scheduled_by_assets_and_daily(dagbag):
    """screening_publish runs on any ingested asset or its daily cron."""
    timetable = dagbag.dags["screening_publish"].timetable
    assert type(timetable).__name__ == "AssetOrTimeSchedule"
    uris = {a.uri for a in timetable.asset_condition.objects}
    assert "shouwang://ingested/health" in uris and len(uris) == 11  # one asset per department
    assert timetable.timetable.expression.endswith("* * *")  # every day


def test_parse_imports_no_heavy_library(tmp_path):
    """Parsing the DAGs in a fresh process imports none of the heavy libraries or rooms."""
    code = ("import sys; from airflow.dag_processing.dagbag import DagBag; "
            f"b = DagBag({str(DAGS_FOLDER)!r}); assert not b.import_errors, b.import_errors; "
            f"print(sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith('connectors')"
            f" and not m.startswith({CATALOG!r})))")
    env = {**os.environ, **embedded_env(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
