"""`make demo`'s driver: a generated county through the real DAGs in an embedded Airflow, its grid
ledger loaded, a few warnings walked through the help loop and the digest published again."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from shouwang.airflow_embedded import DAG_ORDER
from tests.dags.conftest import airflow_env, metadata_template  # noqa: F401 - fixtures
from tests.dags.embedded import ON_SQLITE, run_airflow
from warehouse.db import session_scope
from warehouse.grid_tables import HouseholdGrid
from warehouse.help_tables import EliminationStep, HelpContact
from warehouse.models import Household

PERIOD = "2026-10"


@ON_SQLITE
def test_demo_generates_a_county_runs_the_dags_and_the_help_loop(ctx, airflow_env, tmp_path):  # noqa: F811
    county = tmp_path / "demo"

    run = run_airflow(airflow_env, "--households", "40", "--period", PERIOD, "--dir", str(county),
                      module="shouwang_tools.demo.airflow_demo")

    assert run.returncode == 0, run.output[-4000:]
    assert run.states == [("feed_ingest", "success"), ("screening_publish", "success"),
                          ("verification_sla", "success"), ("daily_summary", "success")]
    assert [dag for dag, _ in run.states] == list(DAG_ORDER)
    lists = Path(run.result["lists"])
    assert lists == Path(airflow_env["SHOUWANG_OUT"]) / PERIOD
    assert any(name.endswith(".xlsx") for name in run.result["files"]), run.result["files"]
    assert (county / "roster.csv").exists() and len(list((county / "landing").iterdir())) == 11
    assert (county / "网格台账.xlsx").exists()
    assert f"township lists and the county digest: {lists}" in run.output
    helped = run.result["help"]
    with session_scope(ctx.engine) as s:
        tied = s.scalar(select(func.count()).select_from(HouseholdGrid))
        contacts = s.scalar(select(func.count(HelpContact.household_id.distinct())))
        confirmed = set(s.scalars(select(EliminationStep.household_id).where(EliminationStep.step == "confirm")))
        eliminated = s.scalar(select(func.count()).where(Household.id.in_(confirmed),
                                                         Household.risk_status == "风险已消除"))
    assert tied > 0 and tied == run.result["grids"]["households"]
    walked = sum(helped.get(how, 0) for how in ("helped", "no visit yet", "eliminated"))
    assert contacts > 0 and contacts == walked, helped  # every household walked has its contact cadre
    assert eliminated == len(confirmed) == helped.get("eliminated", 0)
    digest = (lists / f"县级预警汇总_{PERIOD}.html").read_text(encoding="utf-8")
    assert "帮扶落实" in digest
    table = re.search(r'<table id="help">(.*?)</table>', digest, re.S)
    assert table and "<td" in table.group(1), digest[digest.find("帮扶落实"):][:2000]
