"""Issue 19 in the demo county: 残联, 公安 and 农业农村 files with planted risks, the roster's own
risks in the truth, and the real pipeline finding exactly what the truth plants."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from connectors import catalog
from connectors.ingest import ingest_landing
from connectors.roster import load_roster
from matching.linker import link_period
from screening.screen import screen_period
from shouwang_tools.demo.settings import demo_settings
from tests.shouwang_tools.demo.conftest import read_sheet, truth
from warehouse.db import session_scope
from warehouse.models import Household, RiskWarning

NEW = {"disability": "disability", "police": "accident", "agriculture": "industry"}
UNABLE = {"丧失劳动力", "无劳动力"}


def test_the_three_new_departments_send_files_their_contracts_read(county):
    files = truth(county, "files").set_index("department")
    planted = truth(county, "warnings")
    for department, risk_type in NEW.items():
        info = files.loc[department]
        lines = read_sheet(county.landing / info["source_file"], info["format"], info["encoding"] or None)
        header = [str(h) for h in lines[int(info["header_row"]) - 1]]
        assert catalog.contract_for(department).score(header) == 1.0, (department, header)
        rows = planted[planted["department"] == department]
        assert len(rows) >= 3 and set(rows["risk_type"]) == {risk_type}


def test_the_truth_lists_the_roster_risks_the_roster_shows(county):
    roster = pd.read_csv(county.roster, dtype=str, keep_default_na=False,
                         encoding=demo_settings()["roster"]["encoding"])
    warnings = truth(county, "warnings")
    own = warnings[warnings["department"] == "registry"]
    free = roster[roster["风险状态"] != "风险未消除"]
    # nobody able to work, read straight from the roster's 劳动能力
    idle = {no for no, g in free.groupby("户编号") if set(g["劳动能力"]) <= UNABLE}
    assert idle and set(own.loc[own["risk_type"] == "labour", "household_no"]) == idle
    # under the 9,000 band on its own (seed 001 二(二)): 其他, whatever the costs add
    heads = free.drop_duplicates("户编号").set_index("户编号")
    low = {no for no, income in heads["人均纯收入"].items() if int(income) < 9000}
    assert low and set(own.loc[own["risk_type"] == "other", "household_no"]) == low
    assert (own["source_file"] == county.roster.name).all()


def test_the_pipeline_finds_every_planted_risk_and_nothing_else(county, ctx):
    assert load_roster(ctx, county.roster).status == "loaded"
    ingest_landing(ctx, county.period, county.landing)
    link_period(ctx, county.period)
    summary = screen_period(ctx, county.period)
    planted = truth(county, "warnings")
    want = {(no, risk) for no, risk in zip(planted["household_no"], planted["risk_type"]) if no}
    with session_scope(ctx.engine) as s:
        got = set(s.execute(select(Household.household_no, RiskWarning.risk_type)
                            .join(Household, Household.id == RiskWarning.household_id)).tuples())
    assert summary["roster_records"] > 0
    assert {r for _, r in want} >= {"disability", "accident", "industry", "labour", "other"}
    assert got == want

