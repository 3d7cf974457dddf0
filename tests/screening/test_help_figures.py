"""The county view of the help loop: coverage by township, the backlog over time, the digest
partial and sheet (both databases)."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from openpyxl import Workbook, load_workbook

from screening.publish.help_figures import help_figures, write_help_sheet
from tests.screening.help_county import EXPECTED, TODAY, TOWN_A, TOWN_B, seed_help_county
from warehouse.db import session_scope

TEMPLATES = Path(__file__).resolve().parents[2] / "screening" / "templates"


def test_coverage_by_township_and_the_backlog_at_month_ends(ctx):
    seed_help_county(ctx)
    with session_scope(ctx.engine) as s:
        f = help_figures(s, ctx.settings, TODAY, ctx.home)
    rows = {r["township"]: {k: v for k, v in r.items() if k != "township"} for r in f["rows"]}
    assert rows == EXPECTED
    assert f["total"]["monitored"] == 3 and f["total"]["eliminated_this_month"] == 1
    assert [(b["day"], b["households"]) for b in f["backlog"]] == [
        ("2026-05-31", 0), ("2026-06-30", 0), ("2026-07-31", 0), ("2026-08-31", 0),
        ("2026-09-30", 0), ("2026-10-31", 2), ("2026-11-30", 2)]
    assert f["backlog"][-1]["label"] == "今天" and f["backlog"][-1]["percent"] == 100


def test_a_visit_and_a_development_measure_clear_a_townships_gaps(ctx):
    county = seed_help_county(ctx)
    from warehouse.help_tables import HelpMeasure, HelpPlanDecision, HelpVisit
    from tests.support.warehouse import building
    from tests.screening.help_county import noon

    with building(ctx, seal=False) as b:
        hid = county.ids["F"]
        b.add(HelpVisit(household_id=hid, day=TODAY, mode="visit", actor="town_b"))
        b.add(HelpMeasure(household_id=hid, policy="公益性岗位", kind="开发式", help_type="就业帮扶",
                          start_date=TODAY, actor="town_b", recorded_at=noon(TODAY)))
        b.add(HelpPlanDecision(household_id=hid, decision="approve", measures=2, day=TODAY,
                               actor="admin"))
    with session_scope(ctx.engine) as s:
        f = help_figures(s, ctx.settings, TODAY, ctx.home)
    b_row = next(r for r in f["rows"] if r["township"] == TOWN_B)
    assert (b_row["overdue_visits"], b_row["missing_development"], b_row["with_plan"]) == (0, 0, 1)
    assert f["backlog"][-1]["households"] == 1  # only 龙河镇's B is left


def test_the_digest_partial_and_sheet_show_the_figures(ctx, tmp_path):
    seed_help_county(ctx)
    with session_scope(ctx.engine) as s:
        f = help_figures(s, ctx.settings, TODAY, ctx.home)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined)  # as screening.publish.digest renders
    html = env.get_template("digest_help.html.j2").render(f={"help": f})
    assert "帮扶落实（截至 2026-11-30）" in html and TOWN_A in html and TOWN_B in html
    assert html.count('class="text"') == 3 + 7  # two townships and the total; seven bars
    assert "<script" not in html
    wb = Workbook()
    write_help_sheet(wb, f, "帮扶落实")
    wb.save(tmp_path / "d.xlsx")
    ws = load_workbook(tmp_path / "d.xlsx")["帮扶落实"]
    assert [c.value for c in ws[1]][:3] == ["乡镇", "监测户", "已明确联系人"]
    assert [c.value for c in ws[4]][:2] == ["合计", 3]


def test_no_cases_no_rows(ctx):
    with session_scope(ctx.engine) as s:
        f = help_figures(s, ctx.settings, TODAY, ctx.home)
    assert f["rows"] == [] and f["total"]["monitored"] == 0
    assert {b["percent"] for b in f["backlog"]} == {0}
