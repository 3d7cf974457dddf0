"""`shouwang export monitored --since`: households that reached `monitored`, one row per member,
in the roster's column names, IDs masked; CSV and XLSX through the safe writers."""
from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook

from screening import history
from shouwang.cli import main
from tests.screening.outputs import assert_no_plain_ids
from tests.support.warehouse import SyntheticIds, building
from warehouse.db import session_scope

UTC = dt.timezone.utc
HEADER = ["户编号", "乡镇", "村", "户主姓名", "家庭人口", "风险类型", "纳入时间", "预警编号", "姓名",
          "与户主关系", "身份证号"]


@pytest.fixture
def monitored(ctx):
    ids = SyntheticIds()
    with building(ctx, ids, create_key=True) as b:
        def household(no, town, village, names):
            hh = b.household(no, township=town, village=village, size=len(names))
            for i, (name, relation) in enumerate(names):
                b.person(hh, name, ids.new(dt.date(1970 + i, 1, 2)), relation=relation)
            return hh

        new = household("500230001000000001", "龙河镇", "红岩村", [("张大", "户主"), ("李二", "配偶"),
                                                                 ("=张三", "之子")])
        older = household("500230001000000002", "龙河镇", "红岩村", [("王五", "户主")])
        undecided = household("500230001000000003", "三合街道", "青龙村", [("赵六", "户主")])
        w_new = b.warning("W2026-10-00001", "hh:1", "illness", household_id=new.id,
                          township="龙河镇", village="红岩村", reason="大病", status="monitored")
        w_old = b.warning("W2026-09-00002", "hh:2", "schooling", period="2026-09",
                          household_id=older.id, township="龙河镇", village="红岩村", reason="辍学",
                          status="monitored")
        b.warning("W2026-10-00003", "hh:3", household_id=undecided.id, township="三合街道",
                  village="青龙村", reason="大病", status="identifying")
        lead = b.warning("W2026-10-00004", "lead:x", "disaster", township="三合街道",
                         village="青龙村", reason="洪涝", status="monitored", is_lead=True,
                         lead_name="孙七", lead_id_masked="500230********1234")
        # 23:30 UTC on 31 October is 1 November in the county: counts from --since 2026-11-01.
        rows = [history.entry(w_new.id, "identification", "2026-10",
                              dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "录入全国系统",
                              "identifying", "monitored", actor="town_a"),
                history.entry(w_old.id, "identification", "2026-09",
                              dt.datetime(2026, 10, 20, 2, tzinfo=UTC), "录入全国系统",
                              "identifying", "monitored", actor="town_a"),
                history.entry(lead.id, "identification", "2026-10",
                              dt.datetime(2026, 11, 5, 2, tzinfo=UTC), "录入全国系统",
                              "identifying", "monitored", actor="town_b")]
        history.append(b.session, rows)
    return ids.plain


def test_csv_one_row_per_member_since_the_county_day(ctx, monitored, tmp_path, capsys):
    out = tmp_path / "new" / "monitored.csv"
    assert main(["export", "monitored", "--since", "2026-11-01", "--out", str(out)]) == 0
    assert "2 newly monitored households (4 members)" in capsys.readouterr().out
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    body = [dict(zip(HEADER, r)) for r in rows[1:]]
    assert [r["预警编号"] for r in body] == ["W2026-10-00004"] + ["W2026-10-00001"] * 3
    zhang = [r for r in body if r["户编号"] == "500230001000000001"]
    assert {r["户主姓名"] for r in zhang} == {"张大"} and {r["家庭人口"] for r in zhang} == {"3"}
    assert zhang[0]["风险类型"] == "因病" and zhang[0]["纳入时间"] == "2026-11-01"
    assert [r["与户主关系"] for r in zhang] == ["户主", "配偶", "之子"]
    assert all(r["身份证号"].startswith("500230********") for r in body)
    assert zhang[2]["姓名"] == "'=张三"  # a name that looks like a formula cannot run
    lead = body[0]
    assert (lead["户编号"], lead["姓名"], lead["风险类型"]) == ("", "孙七", "因自然灾害")
    assert_no_plain_ids(out.parent, monitored)


def test_xlsx_and_township_filter(ctx, monitored, tmp_path, capsys):
    out = tmp_path / "x" / "monitored.xlsx"
    assert main(["export", "monitored", "--since", "2026-10-01", "--township", "龙河镇",
                 "--out", str(out)]) == 0
    ws = load_workbook(out).active
    assert ws.title == "新纳入监测对象"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert sorted({r[7] for r in rows[1:]}) == ["W2026-09-00002", "W2026-10-00001"]
    assert_no_plain_ids(out.parent, monitored)


def test_a_wrong_output_or_date_is_one_line(ctx, tmp_path, capsys):
    assert main(["export", "monitored", "--since", "2026-11-01", "--out", str(tmp_path / "m.txt")]) == 1
    assert "write a .csv or .xlsx file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "monitored", "--since", "November", "--out", str(tmp_path / "m.csv")])
