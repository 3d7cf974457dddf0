"""Helpers for tests that run the real DAGs in an embedded Airflow process."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shouwang.airflow_embedded import RESULT_PREFIX

ROOT = Path(__file__).resolve().parents[2]
# DAG runs cost seconds each: run them on the SQLite warehouse only (the unit tests of what the
# tasks do run on SQLite and PostgreSQL).
ON_SQLITE = pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)


@dataclass
class AirflowRun:
    """What one embedded Airflow process did."""

    returncode: int
    output: str
    states: list[tuple[str, str]]  # (dag_id, final state) per run, in order
    result: dict


def run_airflow(env: dict, *argv: str, timeout: int = 600,
                module: str = "shouwang.airflow_embedded") -> AirflowRun:
    """Run `python -m MODULE ARGV` (the embedded runner, or the demo that drives it) and return
    its exit code, output and states."""
    proc = subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    # Kept beside Airflow's logs and metadata DB, so one PII scan of AIRFLOW_HOME covers all three.
    with open(Path(env["AIRFLOW_HOME"]) / "run-output.log", "a", encoding="utf-8") as f:
        f.write(output)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    result = json.loads(lines[-1][len(RESULT_PREFIX):]) if lines else {}
    return AirflowRun(proc.returncode, output, [tuple(r) for r in result.get("states", [])], result)
