"""Township lists (XLSX), the county digest (HTML + XLSX) and publication times."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from screening.publish import digest_file_names, publish_period
from screening.screen import screen_period
from shouwang.core.clock import as_utc
from tests.screening.factory import PERIOD, County
from tests.screening.outputs import assert_no_plain_ids
from warehouse.db import session_scope
from warehouse.models import FeedBatch, PipelineEvent, RiskWarning, utcnow

MASKED = re.compile(r"^500230\*{8}\d{3}[\dX]$")
FLOOD = {"disaster_type": "洪涝", "disaster_date": "2026-10-05", "damage": "房屋倒塌", "direct_loss": 60000.0}


@pytest.fixture
def county(ctx):
    """Two townships: red floods in one village (an alert), orange and yellow risks, a lead."""
    c = County(ctx)
    now = utcnow()
    fast = c.batch("emergency", arrived_at=now - dt.timedelta(hours=2))
    slow = c.batch("hr", arrived_at=now - dt.timedelta(days=3))
    civil = c.batch("civil_affairs", arrived_at=now - dt.timedelta(hours=3))
    c.batch("health", status="failed", arrived_at=now - dt.timedelta(hours=1))
    with session_scope(ctx.engine) as s:
        s.add(PipelineEvent(kind="late", department="water", period=PERIOD, detail="not landed by the 10th"))
        s.execute(select(FeedBatch).where(FeedBatch.id == civil)).scalar_one().rows_quarantined = 2
    for i in range(5):
        hh = c.household(f"50023000{i:02d}", village="双河村", head=f"户主{i}")
        c.record(fast, FLOOD, person=(hh, 0))
    other = c.household("5002300100", township="三合街道", village="青龙村", head="陈大")
    c.record(slow, {"employment_status": "失业"}, person=(other, 0))
    c.record(civil, {"assistance_type": "低保", "change_type": "新增", "income_per_capita": 12500.0},
             person=(other, 0))
    c.record(fast, FLOOD, link="none", name="王五", township="三合街道", village="青龙村")
    # Last month: one illness warning, still open and long overdue.
    old = c.household("5002300200", township="三合街道", village="青龙村", head="周老")
    c.record(c.batch("health", period="2026-09", arrived_at=now - dt.timedelta(days=40)),
             {"disease_category": "大病", "disease": "胃癌"}, person=(old, 0))
    screen_period(ctx, "2026-09")
    with session_scope(ctx.engine) as s:
        s.execute(select(RiskWarning)).scalar_one().due_date = dt.date(2026, 10, 9)
    screen_period(ctx, PERIOD)
    return c


def test_township_lists_have_a_sheet_per_level_masked_ids_and_a4_print_setup(ctx, county, tmp_path):
    folder = publish_period(ctx, PERIOD, tmp_path / "out")
    assert folder == tmp_path / "out" / PERIOD
    files = sorted(p.name for p in folder.glob("*.xlsx") if "核查清单" in p.name)
    assert files == ["三合街道_2026-10_预警核查清单.xlsx", "龙河镇_2026-10_预警核查清单.xlsx"]
    wb = load_workbook(folder / files[1])
    assert wb.sheetnames == ["红色预警", "橙色预警", "黄色预警", "规模性预警"]  # the flood day
    assert list(wb["规模性预警"].iter_rows(min_row=2, values_only=True)) == [
        ("双河村", "因自然灾害", 5, "龙河镇双河村 5 户 洪涝 同日受灾（2026-10-05）")]
    assert "规模性预警" not in load_workbook(folder / files[0]).sheetnames  # 三合街道 had no shock
    red = wb["红色预警"]
    header = [c.value for c in red[1]]
    assert header[:4] == ["村", "户编号", "户主/姓名", "身份证号"]
    assert {"风险类型", "等级", "原因", "来源", "核实截止日期", "核查动作"} <= set(header)
    rows = [dict(zip(header, [c.value for c in r])) for r in red.iter_rows(min_row=2)]
    assert len(rows) == 5 and {r["风险类型"] for r in rows} == {"因自然灾害"}
    assert all(MASKED.match(r["身份证号"]) for r in rows)
    assert rows[0]["户编号"] == "5002300000" and rows[0]["户主/姓名"] == "户主0"
    assert rows[0]["原因"] == "洪涝致房屋倒塌" and rows[0]["来源"] == "emergency_2026-10.xlsx#3"
    assert rows[0]["核查动作"] == "帮扶措施复核" and rows[0]["等级"] == "一级（红色预警）"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rows[0]["核实截止日期"])
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
        assert ws["A1"].border.bottom.style == "thin"
    sanhe = load_workbook(folder / files[0])
    lead = [r for r in sanhe["红色预警"].iter_rows(min_row=2, values_only=True)]
    lead_row = next(r for r in lead if r[2] == "王五")
    assert lead_row[1].startswith("未纳入") and MASKED.match(lead_row[3])
    assert lead_row[10] == "核实识别（是否纳入监测）"
    assert [r[5] for r in sanhe["橙色预警"].iter_rows(min_row=2, values_only=True)] == ["因务工就业不稳定"]
    assert [r[5] for r in sanhe["黄色预警"].iter_rows(min_row=2, values_only=True)] == ["其他"]
    assert_no_plain_ids(folder, county.plain_ids)


def test_digest_html_and_xlsx_carry_the_same_figures(ctx, county, tmp_path):
    folder = publish_period(ctx, PERIOD, tmp_path)
    html_name, xlsx_name = digest_file_names(PERIOD)
    html = (folder / html_name).read_text(encoding="utf-8")
    assert '<b id="total-warnings">8</b>' in html  # 5 floods and a lead; 2 in 三合 (last month's is quiet)
    assert "<script" not in html and "http" not in html
    with session_scope(ctx.engine) as s:
        published = {w.opened_period: w.published_at is not None for w in s.execute(select(RiskWarning)).scalars()}
    assert published == {PERIOD: True, "2026-09": False}  # September's list was never published
    assert '<b id="timeliness">87.5%</b>' in html  # 7 of 8: the hr feed arrived three days ago
    for words in ("龙河镇", "三合街道", "因自然灾害", "双河村", "未报送", "失败", "not landed by the 10th",
                  "2026-10-09", "W2026-09-00001"):
        assert words in html, words
    wb = load_workbook(folder / xlsx_name)
    assert wb.sheetnames == ["概览", "乡镇×风险类型", "环比", "逾期", "乡镇环节逾期", "环节逾期明细",
                             "规模性预警", "部门报送", "各渠道汇总", "帮扶落实"]
    assert "本期各渠道未收到申报或线索" in html  # no self-report or lead this month
    overview = dict(wb["概览"].iter_rows(min_row=2, values_only=True))
    assert overview["预警总数"] == 8 and overview["应纳未纳线索"] == 1 and overview["红色预警"] == 6
    assert overview["一日内下发率"] == pytest.approx(7 / 8, abs=1e-4)
    matrix = {r[0]: r[1:] for r in wb["乡镇×风险类型"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in wb["乡镇×风险类型"][1]]
    assert matrix["龙河镇"][header.index("因自然灾害") - 1] == 5
    assert list(wb["规模性预警"].iter_rows(min_row=2, values_only=True)) == [
        ("龙河镇", "双河村", "因自然灾害", 5, "龙河镇双河村 5 户 洪涝 同日受灾（2026-10-05）")]
    assert "龙河镇双河村 5 户 洪涝 同日受灾（2026-10-05）" in html  # why it fired, on the page too
    trend = {r[0]: r[1:] for r in wb["环比"].iter_rows(min_row=2, values_only=True)}
    assert trend["因病"] == (1, 0, -1) and trend["因自然灾害"] == (0, 6, 6)
    (overdue,) = list(wb["逾期"].iter_rows(min_row=2, values_only=True))
    assert overdue[0] == "W2026-09-00001" and overdue[6] == "2026-10-09" and overdue[7] > 20
    feeds = {r[0]: r for r in wb["部门报送"].iter_rows(min_row=2, values_only=True)}
    assert feeds["应急"][1] == "已接收" and feeds["卫健"][1] == "失败" and feeds["水利"][1] == "未报送"
    assert feeds["民政"][6] == 2
    with session_scope(ctx.engine) as s:  # arrival on the county's clock (Asia/Shanghai), not UTC
        arrived = s.scalar(select(FeedBatch.arrived_at).where(FeedBatch.department == "emergency"))
    expected = as_utc(arrived).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert feeds["应急"][2] == expected and expected in html and "+00:00" not in html
    assert_no_plain_ids(folder, county.plain_ids)


def test_republishing_keeps_publication_times(ctx, county, tmp_path):
    publish_period(ctx, PERIOD, tmp_path)
    with session_scope(ctx.engine) as s:
        first = {w.id: w.published_at for w in s.execute(select(RiskWarning)).scalars()}
        events = s.execute(select(PipelineEvent).where(PipelineEvent.kind == "published")).scalars().all()
    publish_period(ctx, PERIOD, tmp_path)
    with session_scope(ctx.engine) as s:
        again = {w.id: w.published_at for w in s.execute(select(RiskWarning)).scalars()}
        events_again = s.execute(select(PipelineEvent).where(PipelineEvent.kind == "published")).scalars().all()
    assert again == first and len(events_again) == len(events) == 1


def test_overdue_items_escalated_by_the_sla_run_show_in_the_digest(ctx, county, tmp_path):
    from screening.deadlines import local_date
    from shouwang.sla import escalate_overdue
    from warehouse.models import VerificationTask

    html_name, xlsx_name = digest_file_names(PERIOD)
    folder = publish_period(ctx, PERIOD, tmp_path / "before")
    (row,) = list(load_workbook(folder / xlsx_name)["逾期"].iter_rows(min_row=2, values_only=True))
    assert row[0] == "W2026-09-00001" and row[8] is None  # not escalated yet
    assert "待上报" in (folder / html_name).read_text(encoding="utf-8")
    with session_scope(ctx.engine) as s:
        s.execute(select(VerificationTask).join(RiskWarning, RiskWarning.id == VerificationTask.warning_id)
                  .where(RiskWarning.code == "W2026-09-00001")).scalar_one().due_date = dt.date(2026, 10, 9)
    as_of = dt.datetime.now(dt.timezone.utc)
    assert escalate_overdue(ctx, as_of)["tasks_past_due_date"] == 1
    folder = publish_period(ctx, PERIOD, tmp_path / "after")
    (row,) = list(load_workbook(folder / xlsx_name)["逾期"].iter_rows(min_row=2, values_only=True))
    assert row[8] == local_date(as_of, ctx.settings).isoformat()  # the county's day, not UTC's
    assert row[8] in (folder / html_name).read_text(encoding="utf-8")
