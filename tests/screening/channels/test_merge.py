"""The daily merge's rules (screening.channels.merge), on SQLite and PostgreSQL: grading by channel,
de-duplication within a day and against open warnings from feeds, waiting for a match review."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from matching.review import decide
from screening.channels.lists import day_warning_ids
from shouwang.daily import run_day
from tests.screening.channels.factory import DAY, MORNING, Reports
from tests.support.warehouse import building
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.models import FeedRecord, Link, RiskWarning, WarningEvidence

NEXT_DAY = DAY + dt.timedelta(days=1)


def results(ctx) -> list[tuple]:
    """(receipt, merge_result, warning code) of every input, in filing order."""
    with ctx.engine.connect() as conn:
        return conn.execute(select(ChannelInput.receipt, ChannelInput.merge_result, RiskWarning.code)
                            .outerjoin(RiskWarning, RiskWarning.id == ChannelInput.warning_id)
                            .order_by(ChannelInput.id)).all()


def county_with_head(ctx) -> tuple[Reports, dict, str]:
    county = Reports(ctx)
    hh = county.household("500230001001000001", head="张三")
    county.neighbours()
    return county, hh, county.plain_ids[0]


def test_two_reports_of_one_risk_on_one_day_are_one_line(ctx, tmp_path):
    county, hh, head_id = county_with_head(ctx)
    a = county.report("张三", head_id, channel="grid")
    b = county.report("张三", head_id, channel="self_report", received_at=MORNING + dt.timedelta(hours=3))
    c = county.report("张三", head_id, risk_type="schooling", received_at=MORNING + dt.timedelta(hours=4))
    run_day(ctx, DAY, tmp_path)
    got = results(ctx)
    assert [r[1] for r in got] == ["warning", "duplicate", "warning"]
    assert got[0][2] == got[1][2] != got[2][2]
    with session_scope(ctx.engine) as s:
        w = s.scalar(select(RiskWarning).where(RiskWarning.code == got[0][2]))
        assert w.sources == [f"grid:{a['receipt']}", f"self_report:{b['receipt']}"]
        assert w.household_id == hh["household_id"] and w.subject_key == f"hh:{hh['household_id']}"
    del c


def test_an_input_joins_the_open_warning_a_department_feed_made(ctx, tmp_path):
    county, hh, head_id = county_with_head(ctx)
    with building(ctx) as b:
        batch = b.batch("health")
        record = b.record(batch, 2, "张三", None)
        w = b.warning("W2026-10-00001", f"hh:{hh['household_id']}", "illness", level="yellow",
                      household_id=hh["household_id"], township="龙河镇", village="双河村",
                      reason="医保：住院自付", sources=["卫健_2026-10.xlsx#2"], status="verifying")
        b.add(WarningEvidence(warning_id=w.id, record_id=record.id, period="2026-10",
                              department="health", indicator="自付", value="30000", rule="r1"))
    r = county.report("张三", head_id, channel="petition")
    run_day(ctx, DAY, tmp_path)
    assert results(ctx) == [(r["receipt"], "duplicate", "W2026-10-00001")]
    with session_scope(ctx.engine) as s:
        w = s.scalar(select(RiskWarning).where(RiskWarning.code == "W2026-10-00001"))
        # More serious now (a petition is red): raised, due sooner, still being verified.
        assert w.level == "red" and w.status == "verifying"
        assert w.sources == ["卫健_2026-10.xlsx#2", f"petition:{r['receipt']}"]
        assert s.scalar(select(func.count()).select_from(RiskWarning)) == 1
        evidence = s.execute(select(WarningEvidence.department, WarningEvidence.rule)
                             .order_by(WarningEvidence.id)).all()
        assert evidence == [("health", "r1"), ("petition", "channel:petition")]
        assert day_warning_ids(s, DAY, ctx.settings) == {w.id}


def test_a_closed_warning_does_not_swallow_a_new_report(ctx, tmp_path):
    county, hh, head_id = county_with_head(ctx)
    with building(ctx) as b:
        b.warning("W2026-09-00001", f"hh:{hh['household_id']}", "illness", period="2026-09",
                  household_id=hh["household_id"], township="龙河镇", status="closed", reason="x")
    county.report("张三", head_id)
    run_day(ctx, DAY, tmp_path)
    (_, result, code), = results(ctx)
    assert result == "warning" and code.startswith("W2026-10-")


def test_levels_come_from_the_channel(ctx, tmp_path):
    county, _, head_id = county_with_head(ctx)
    county.report("张三", head_id, channel="media", risk_type="housing")
    county.report("张三", head_id, channel="hotline", risk_type="illness")
    run_day(ctx, DAY, tmp_path)
    with session_scope(ctx.engine) as s:
        levels = dict(s.execute(select(RiskWarning.risk_type, RiskWarning.level)).all())
        due = dict(s.execute(select(RiskWarning.level, RiskWarning.due_date)).all())
    assert levels == {"housing": "red", "illness": "orange"}
    # Received on Thursday 15 October: red is due in 1 working day, orange in 5 (sla:).
    assert due["red"] > DAY and due["orange"] > due["red"]


def test_an_input_waiting_for_review_is_merged_once_a_reviewer_decides(ctx, tmp_path):
    county = Reports(ctx)
    county.neighbours()
    first = county.household("500230001001000001", head="张伟")
    county.household("500230001001000002", head="张伟")  # a namesake in the same village
    r = county.report("张伟", None, description="没有身份证号，只报了姓名和村")
    run_day(ctx, DAY, tmp_path)
    (_, result, _), = results(ctx)
    if result != "unmatched":  # the namesakes must make this a reviewer's call
        raise AssertionError(f"expected the review band, got {result}")
    with session_scope(ctx.engine) as s:
        link = s.scalar(select(Link).join(FeedRecord, FeedRecord.id == Link.record_id)
                        .where(FeedRecord.source_file == f"self_report:{r['receipt']}"))
        assert link.status == "review"
        link_id = link.id
    decide(ctx, link_id, "accept", "县级核对员")
    with session_scope(ctx.engine) as s:
        s.execute(Link.__table__.update().where(Link.id == link_id)
                  .values(person_id=first["persons"][0], household_id=first["household_id"]))
    summary = run_day(ctx, NEXT_DAY, tmp_path)
    assert summary["merged"]["waiting"] == 1
    (_, result, code), = results(ctx)
    assert result == "warning"
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(RiskWarning.household_id).where(RiskWarning.code == code)) == first["household_id"]
        assert day_warning_ids(s, NEXT_DAY, ctx.settings)  # settled that day: on that day's list


def test_an_input_after_the_evening_run_is_merged_the_next_day(ctx, tmp_path):
    county, _, head_id = county_with_head(ctx)
    run_day(ctx, DAY, tmp_path)  # the 20:00 run of DAY: nothing yet
    late = county.report("张三", head_id, received_at=MORNING + dt.timedelta(hours=12))  # 22:00 on DAY
    summary = run_day(ctx, NEXT_DAY, tmp_path)
    assert summary["merged"]["inputs"] == 1 and results(ctx)[0][:2] == (late["receipt"], "warning")
    with session_scope(ctx.engine) as s:
        assert day_warning_ids(s, NEXT_DAY, ctx.settings)  # on the next morning's list
