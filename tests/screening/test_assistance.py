"""The assistance list (帮扶清单): who is on it, its columns, one sheet per village, printable,
no formula and no plaintext ID; XLSX and CSV through `shouwang export assistance` (both DBs)."""
import csv

import pytest
from openpyxl import load_workbook

from screening.assistance import COLUMNS, assistance_rows
from shouwang.cli import main
from shouwang.core.errors import UserError
from tests.screening.help_county import TODAY, TOWN_A, seed_help_county
from tests.support.pii import find_plaintext
from warehouse.db import session_scope


@pytest.fixture
def county(ctx):
    return seed_help_county(ctx)


def _base(ctx):
    return ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]


def test_rows_cover_the_poverty_exited_and_the_monitored_households(ctx, county):
    with session_scope(ctx.engine) as s:
        rows = assistance_rows(s, ctx.settings, "龙河", 2026, home=ctx.home, today=TODAY)
    by_no = {r.household_no: r for r in rows}
    n = county.nos
    assert set(by_no) == {n["A"], n["B"], n["C"], n["E"], n["G"]}  # D is neither; F elsewhere
    a, b, c = by_no[n["A"]], by_no[n["B"]], by_no[n["C"]]
    assert (a.head, a.size, a.household_type, a.included_on) == ("陈一", 2, "脱贫不稳定户", "2026-10-12")
    assert a.risks == "因病（风险未消除）" and a.measures == "公益性岗位（2026-10-20起）" and a.check == ""
    assert (b.household_type, b.included_on, b.risks) == ("新识别监测对象", "2026-10-05", "因病")
    assert b.check.startswith("家中无劳动能力成员，缺少兜底保障措施")
    assert (c.household_type, c.included_on, c.risks, c.measures, c.check) == ("脱贫户", "", "", "", "")
    assert by_no[n["E"]].risks == "风险已消除"
    assert (by_no[n["G"]].risks, by_no[n["G"]].check) == ("风险已消除", "")  # no open case
    with session_scope(ctx.engine) as s:
        only = assistance_rows(s, ctx.settings, TOWN_A, 2026, village="石桥", home=ctx.home, today=TODAY)
    assert [r.household_no for r in only] == [n["C"]]


def test_export_xlsx_one_printable_sheet_per_village_no_formula_no_id(ctx, county, tmp_path, capsys):
    out = tmp_path / "帮扶清单.xlsx"
    assert main([*_base(ctx), "export", "assistance", "--township", TOWN_A, "--year", "2026",
                 "--out", str(out)]) == 0
    assert "5 户，2 个村" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["双河村", "石桥村"]
    ws = wb["双河村"]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == sorted(
        [county.nos["A"], county.nos["B"], county.nos["E"], county.nos["G"]])
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [1, 2, 3, 4]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert all(c.data_type != "f" for row in wb["双河村"].iter_rows() for c in row)
    assert find_plaintext([out], county.plain_ids) == []


def test_export_csv_and_a_village(ctx, county, tmp_path):
    out = tmp_path / "list.csv"
    assert main([*_base(ctx), "export", "assistance", "--township", TOWN_A, "--village", "双河村",
                 "--year", "2026", "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["村"] for r in rows} == {"双河村"} and len(rows) == 4
    assert {r["户主姓名"] for r in rows} == {"陈一", "黄老汉", "吴六", "郭八"}
    assert find_plaintext([out], county.plain_ids) == []


def test_an_unknown_township_is_one_clear_line(ctx, county, tmp_path, capsys):
    assert main([*_base(ctx), "export", "assistance", "--township", "不存在镇",
                 "--out", str(tmp_path / "x.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "不存在镇 没有" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()
    with session_scope(ctx.engine) as s, pytest.raises(UserError):
        assistance_rows(s, ctx.settings, " ", 2026)
