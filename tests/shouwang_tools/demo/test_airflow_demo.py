"""`make demo`'s driver: a generated county through the real DAGs in an embedded Airflow."""
from __future__ import annotations

from pathlib import Path

from tests.dags.conftest import airflow_env, metadata_template  # noqa: F401 - fixtures
from tests.dags.embedded import ON_SQLITE, run_airflow

PERIOD = "2026-10"


@ON_SQLITE
def test_demo_generates_a_county_and_runs_the_three_dags(ctx, airflow_env, tmp_path):  # noqa: F811
    county = tmp_path / "demo"

    run = run_airflow(airflow_env, "--households", "40", "--period", PERIOD, "--dir", str(county),
                      module="shouwang_tools.demo.airflow_demo")

    assert run.returncode == 0, run.output[-4000:]
    assert run.states == [("feed_ingest", "success"), ("screening_publish", "success"),
                          ("verification_sla", "success")]
    lists = Path(run.result["lists"])
    assert lists == Path(airflow_env["SHOUWANG_OUT"]) / PERIOD
    assert any(name.endswith(".xlsx") for name in run.result["files"]), run.result["files"]
    assert (county / "roster.csv").exists() and len(list((county / "landing").iterdir())) == 11
    assert f"township lists and the county digest: {lists}" in run.output
