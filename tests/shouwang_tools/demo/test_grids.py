"""The demo county's grid ledger loads with `grids load`: every roster household in one grid,
split groups through the 户编号 sheet, messy spellings (龙河 for 龙河镇, 三组 for 3组) resolved."""
from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import func, select

from connectors.grids import load_grids
from connectors.roster import load_roster
from shouwang import config
from shouwang_tools.demo.grids import chinese_number, write_grid_ledger
from shouwang_tools.demo.population import build_population
from shouwang_tools.demo.roster import write_roster
from shouwang_tools.demo.settings import demo_settings, stream
from tests.support.warehouse import plaintext_columns
from warehouse.db import session_scope
from warehouse.grid_tables import Grid, HouseholdGrid
from warehouse.models import Household


def test_chinese_group_numbers():
    assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 23)] == \
        ["一", "九", "十", "十二", "二十", "二十三"]


def test_the_demo_ledger_ties_every_roster_household(ctx, tmp_path):
    cfg = demo_settings()["county"]
    county = config.settings()["county"]
    pop = build_population(400, str(county["code"]), cfg, stream(5, "population"))
    write_roster(pop, county["name"], tmp_path / "roster.csv", "utf-8")
    assert load_roster(ctx, tmp_path / "roster.csv").status == "loaded"
    # Groups are ~30 households: split any above 20 so the 户编号 sheet is exercised too.
    ledger = write_grid_ledger(pop, tmp_path / "网格台账.xlsx", stream(5, "grids"),
                               cfg["phone_prefixes"], grid_max=20)
    assert ledger.split_grids > 0 and ledger.listed_households > 0
    book = load_workbook(ledger.path)
    assert book.sheetnames == ["网格台账", "网格农户"]
    cells = [c for row in book["网格台账"].iter_rows(values_only=True) for c in row]
    phones = [c for c in cells if isinstance(c, str) and c.isdigit() and len(c) == 11]
    r = load_grids(ctx, ledger.path)
    assert (r.grids, r.by_list) == (ledger.grids, ledger.listed_households)
    with session_scope(ctx.engine) as s:
        active = s.scalar(select(func.count()).select_from(Household).where(Household.active.is_(True)))
        tied = s.scalar(select(func.count()).select_from(HouseholdGrid))
        assert tied == active == r.households == 400
        assert s.scalar(select(func.count()).select_from(Grid)) == ledger.grids
    assert phones and plaintext_columns(ctx.engine, phones) == []
