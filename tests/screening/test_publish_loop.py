"""Publishing and the loop: clocks start when a township first gets its list, the backlog travels
on every list (sheet 往期未办结), and the digest shows each township's overdue steps and any
deadline counted without an official holiday table."""
import datetime as dt

from openpyxl import load_workbook
from sqlalchemy import select

from screening import clocks
from screening.deadlines import local_date
from screening.publish import digest_file_names, publish_period
from tests.screening.factory import PERIOD
from tests.screening.outputs import assert_no_plain_ids
from tests.screening.test_publish import MASKED, county  # noqa: F401 (the shared fixture)
from warehouse.db import session_scope
from warehouse.models import RiskWarning, utcnow
from warehouse.notification_tables import WarningClock


def _clocks(ctx):
    with session_scope(ctx.engine) as s:
        return {(code, c.clock): (c.started_on, c.due_on) for c, code in s.execute(
            select(WarningClock, RiskWarning.code).join(RiskWarning,
                                                         RiskWarning.id == WarningClock.warning_id))}


def test_clocks_start_on_the_county_day_the_list_first_went_out(ctx, county, tmp_path):
    publish_period(ctx, PERIOD, tmp_path)
    today = local_date(utcnow(), ctx.settings)
    first = _clocks(ctx)
    listed = {code for code, _ in first}
    assert len(listed) == 8 and "W2026-09-00001" not in listed  # September's was never listed
    assert {clock for _, clock in first} == {"first_review", "full_verification"}
    assert {start for start, _ in first.values()} == {today}
    publish_period(ctx, PERIOD, tmp_path)  # again: nothing restarts
    assert _clocks(ctx) == first


def test_the_backlog_travels_on_the_township_list(ctx, county, tmp_path):
    folder = publish_period(ctx, PERIOD, tmp_path)
    sanhe = load_workbook(folder / "三合街道_2026-10_预警核查清单.xlsx")
    assert sanhe.sheetnames[-1] == "往期未办结"
    ws = sanhe["往期未办结"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["预警编号", "期次"] and "原截止日期" in header and "逾期工作日" in header
    (row,) = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert row["预警编号"] == "W2026-09-00001" and row["期次"] == "2026-09"
    assert row["原截止日期"] == "2026-10-09" and row["逾期工作日"] > 20
    assert row["户编号"] == "5002300200" and row["户主/姓名"] == "周老"
    assert MASKED.match(row["身份证号"]) and row["状态"] == "待核实"
    longhe = load_workbook(folder / "龙河镇_2026-10_预警核查清单.xlsx")
    assert "往期未办结" not in longhe.sheetnames  # nothing old there
    assert_no_plain_ids(folder, county.plain_ids)
    # Once the county closes it, it no longer travels.
    with session_scope(ctx.engine) as s:
        s.scalar(select(RiskWarning).where(RiskWarning.code == "W2026-09-00001")).status = "closed"
    folder = publish_period(ctx, PERIOD, tmp_path / "again")
    assert "往期未办结" not in load_workbook(folder / "三合街道_2026-10_预警核查清单.xlsx").sheetnames


def test_the_digest_shows_each_townships_overdue_steps(ctx, county, tmp_path, capsys):
    from shouwang.cli import main

    with session_scope(ctx.engine) as s:
        old = s.scalar(select(RiskWarning.id).where(RiskWarning.code == "W2026-09-00001"))
        clocks.on_event(s, old, "published", dt.date(2026, 10, 9), ctx.settings)  # 初审 due 15 Oct (Sat 10th worked)
    today = local_date(utcnow(), ctx.settings)
    assert main(["sla", "run", "--today", today.isoformat()]) == 0
    capsys.readouterr()
    html_name, xlsx_name = digest_file_names(PERIOD)
    folder = publish_period(ctx, PERIOD, tmp_path)
    wb = load_workbook(folder / xlsx_name)
    towns = [r for r in wb["乡镇环节逾期"].iter_rows(min_row=2, values_only=True)]
    assert towns[0][0] == "三合街道" and towns[0][1] >= 1 and towns[0][2] == 1 and towns[0][3] > 20
    steps = {r[5]: r for r in wb["环节逾期明细"].iter_rows(min_row=2, values_only=True)}
    assert steps["初审"][:2] == ("W2026-09-00001", "三合街道")
    assert steps["初审"][6] == "2026-10-15" and steps["初审"][8] == today.isoformat()
    html = (folder / html_name).read_text(encoding="utf-8")
    assert 'id="overdue-townships"' in html and "2026-10-15" in html


def test_a_deadline_in_a_year_without_a_table_is_loud_in_the_digest(ctx, county, tmp_path,
                                                                   caplog):
    html_name, xlsx_name = digest_file_names(PERIOD)
    folder = publish_period(ctx, PERIOD, tmp_path)
    assert 'id="calendar-gap"' not in (folder / html_name).read_text(encoding="utf-8") \
        or local_date(utcnow(), ctx.settings).month == 12  # a December run crosses into 2027
    with session_scope(ctx.engine) as s:
        old = s.scalar(select(RiskWarning.id).where(RiskWarning.code == "W2026-09-00001"))
        clocks.on_event(s, old, "published", dt.date(2026, 12, 21), ctx.settings)  # a month: 2027
    folder = publish_period(ctx, PERIOD, tmp_path / "gap")
    html = (folder / html_name).read_text(encoding="utf-8")
    assert 'id="calendar-gap"' in html and "2027 年的法定节假日" in html
    overview = dict(load_workbook(folder / xlsx_name)["概览"].iter_rows(min_row=2, values_only=True))
    assert "2027 年节假日安排未录入" in overview["注意"]
    assert "2027 年的法定节假日和调休安排尚未录入" in caplog.text  # the run's output says it too
