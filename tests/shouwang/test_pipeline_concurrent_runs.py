"""Two real `shouwang run` processes started together on one warehouse (SQLite and PostgreSQL)
end in the state of a single clean run: one loaded batch per department, identical exports."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from warehouse.models import FeedBatch

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2026-10"
EXPORTS = ("links", "warnings", "alerts", "quarantine")
# Columns that say when a row was written, not what it is.
WHEN = {"issued_at"}


def _shouwang(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shouwang.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ok(env: dict, *args: str) -> str:
    proc = _shouwang(env, *args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"shouwang {' '.join(args)}: {err[-2000:]}"
    return out


def _exports(env: dict, folder: Path) -> dict[str, list[dict]]:
    folder.mkdir()
    found = {}
    for what in EXPORTS:
        path = folder / f"{what}.csv"
        _ok(env, "export", what, "--period", PERIOD, "--out", str(path))
        with path.open(encoding="utf-8-sig", newline="") as fh:
            found[what] = [{k: v for k, v in row.items() if k not in WHEN}
                           for row in csv.DictReader(fh)]
    return found


def _loaded_per_department(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(FeedBatch.department, func.count()).where(
            FeedBatch.status == "loaded", FeedBatch.department != "registry")
            .group_by(FeedBatch.department)).all()
    engine.dispose()
    return dict(rows)


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """A generated demo county of 300 households (roster and eight feeds)."""
    from shouwang_tools.demo.generate import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(300, PERIOD, out, seed=7)
    return out


def _warehouse(env: dict, url: str, county: Path) -> dict:
    env = {**env, "SHOUWANG_WAREHOUSE": url}
    _ok(env, "init")
    _ok(env, "registry", "load", str(county / "roster.csv"))
    return env


def test_two_runs_at_once_equal_one_clean_run(home, warehouse_url, county, tmp_path, request):
    env = {**os.environ, "SHOUWANG_HOME": str(home)}
    env.pop("SHOUWANG_WAREHOUSE", None)
    if warehouse_url.startswith("sqlite"):
        clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    else:
        clean_url = request.getfixturevalue("pg_server").create_database(
            f"c_{uuid.uuid4().hex[:12]}")

    both = _warehouse(env, warehouse_url, county)
    run = ("run", "--period", PERIOD, "--landing", str(county / "landing"))
    first = _shouwang(both, *run, "--out", str(tmp_path / "out1"))
    second = _shouwang(both, *run, "--out", str(tmp_path / "out2"))
    results = [p.communicate(timeout=900) for p in (first, second)]
    codes = [first.returncode, second.returncode]

    single = _warehouse(env, clean_url, county)
    _ok(single, *run, "--out", str(tmp_path / "out_clean"))

    assert codes == [0, 0], [err[-2000:] for _, err in results]
    waited = [err for _, err in results if "another run holds the warehouse since " in err]
    assert len(waited) == 1 and "waiting…" in waited[0]  # the second one waited, and said so
    assert "Traceback" not in "".join(err for _, err in results)
    departments = _loaded_per_department(warehouse_url)
    assert departments == _loaded_per_department(clean_url)
    assert len(departments) == 11 and set(departments.values()) == {1}  # every department once
    together = _exports(both, tmp_path / "together")
    alone = _exports(single, tmp_path / "alone")
    assert {k: len(v) for k, v in together.items()} == {k: len(v) for k, v in alone.items()}
    for what in EXPORTS:
        assert together[what] == alone[what], what
    assert len(together["warnings"]) > 0 and len(together["links"]) > 0
