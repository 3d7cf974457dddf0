"""`shouwang sla run --today`: overdue step clocks go to the township first, the next working day
to the county, once each; across the year boundary into a year with no holiday table, loudly."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shouwang.cli import main
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.models import WarningHistory
from warehouse.notification_tables import Notification, WarningClock

UTC = dt.timezone.utc
# 01:00 on Wednesday 23 December in the county (17:00 UTC the day before): the list arrives.
PUBLISHED = dt.datetime(2026, 12, 22, 17, tzinfo=UTC)


def _seed(ctx) -> int:
    with building(ctx, seal=False) as b:
        w = b.warning("W2026-12-00007", "hh:7", township="龙河镇", village="红岩村",
                      reason="住院自付 5 万元", period="2026-12", published_at=PUBLISHED)
        b.warning("W2026-12-00008", "hh:8", township="石柱镇", reason="r", period="2026-12",
                  published_at=PUBLISHED, status="withdrawn")  # a corrected feed took it back
        return w.id


def _sla(capsys, day: str) -> str:
    assert main(["sla", "run", "--today", day]) == 0
    return capsys.readouterr().out


def _state(ctx, wid):
    with session_scope(ctx.engine) as s:
        clocks = {c.clock: (c.started_on, c.due_on, c.escalated_township_on, c.escalated_county_on)
                  for c in s.scalars(select(WarningClock).where(WarningClock.warning_id == wid))}
        notes = [(n.audience, n.kind, n.township, n.text) for n in
                 s.scalars(select(Notification).order_by(Notification.id))]
        hist = [(h.kind, h.actor, h.reason) for h in s.scalars(
            select(WarningHistory).where(WarningHistory.warning_id == wid).order_by(WarningHistory.id))]
    return clocks, notes, hist


def test_township_first_then_the_county_the_next_working_day_once_each(ctx, capsys):
    wid = _seed(ctx)
    out = _sla(capsys, "2026-12-30")
    assert "clocks started for 1 published warnings" in out  # the withdrawn one gets none
    clocks, notes, _ = _state(ctx, wid)
    # 初审: 5 working days from the county day the list arrived (24, 25, 28, 29, 30 December).
    assert clocks["first_review"][:2] == (dt.date(2026, 12, 23), dt.date(2026, 12, 30))
    assert clocks["full_verification"][1] == dt.date(2027, 1, 25)  # 23 Jan is a Saturday
    assert notes == []  # due today is not late
    # The month-long clock falls due in 2027, which has no official table: said every run.
    assert "WARNING: 注意：2027 年的法定节假日和调休安排尚未录入" in out

    out = _sla(capsys, "2026-12-31")
    assert "1 steps overdue in 1 townships; told townships 1, escalated to the county 0" in out
    clocks, notes, hist = _state(ctx, wid)
    assert clocks["first_review"][2:] == (dt.date(2026, 12, 31), None)
    assert notes == [("township", "overdue", "龙河镇",
                      "龙河镇红岩村 预警 W2026-12-00007「初审」应于 2026-12-30 前完成，已逾期 1 个工作日，请尽快办理")]
    assert hist[-1][:2] == ("overdue", "sla") and "已提醒乡镇" in hist[-1][2]

    assert "told townships 0, escalated to the county 0" in _sla(capsys, "2026-12-31")  # a rerun
    assert len(_state(ctx, wid)[1]) == 1

    # 1 January 2027 is 元旦, but with no 2027 table it counts as a Friday worked: the county is
    # told that day, and the run says why the date may be wrong.
    out = _sla(capsys, "2027-01-01")
    assert "escalated to the county 1" in out and "2027 年的法定节假日" in out
    clocks, notes, hist = _state(ctx, wid)
    assert clocks["first_review"][3] == dt.date(2027, 1, 1)
    assert notes[-1][:3] == ("county", "escalated", "龙河镇")
    assert "乡镇已于 2026-12-31 收到提醒，现上报县级" in notes[-1][3]
    assert [h[0] for h in hist] == ["overdue", "escalated"]
    assert "escalated to the county 0" in _sla(capsys, "2027-01-04")
    assert "escalated to the county 0" in _sla(capsys, "2027-01-01")  # a backfill of a done day


def test_with_the_next_years_table_the_holiday_is_not_a_working_day(ctx, capsys):
    (ctx.home / "calendar").mkdir()
    # A synthetic 2027 table for the test: New Year's Day off, nothing worked in lieu.
    (ctx.home / "calendar" / "2027.yaml").write_text(
        "year: 2027\nholidays:\n  2027-01-01: 元旦\nworkdays: {}\n", encoding="utf-8")
    wid = _seed(ctx)
    _sla(capsys, "2026-12-31")
    out = _sla(capsys, "2027-01-01")
    assert "escalated to the county 0" in out and "尚未录入" not in out
    assert "escalated to the county 1" in _sla(capsys, "2027-01-04")
    assert _state(ctx, wid)[0]["first_review"][3] == dt.date(2027, 1, 4)


def test_a_clock_the_county_owns_goes_to_the_county_at_once(ctx, capsys):
    from screening import clocks

    wid = _seed(ctx)
    with session_scope(ctx.engine) as s:
        clocks.on_event(s, wid, "outcome:pending_closure", dt.date(2026, 12, 24), ctx.settings)
    _sla(capsys, "2026-12-28")  # 销号确认 was due 25 December
    notes = _state(ctx, wid)[1]
    assert [(n[0], n[1]) for n in notes] == [("county", "overdue")]
    assert "「销号确认」应于 2026-12-25 前完成，已逾期 1 个工作日" in notes[0][3]


def test_a_stopped_clock_or_an_ended_warning_is_never_escalated(ctx, capsys):
    from screening import clocks

    wid = _seed(ctx)
    _sla(capsys, "2026-12-23")
    with session_scope(ctx.engine) as s:
        clocks.on_event(s, wid, "outcome:verifying", dt.date(2026, 12, 29), ctx.settings)
    out = _sla(capsys, "2027-01-05")
    assert "0 steps overdue" in out


def test_a_wrong_date_is_one_line(capsys):
    with pytest.raises(SystemExit):
        main(["sla", "run", "--today", "31.12.2026"])
    assert "is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_calendar_check_exit_codes(home, capsys):
    assert main(["calendar", "check", "--year", "2026"]) == 0
    assert "2026 年已录入" in capsys.readouterr().out
    assert main(["calendar", "check", "--year", "2027"]) == 1
    assert "2027 年未录入" in capsys.readouterr().out
    (home / "calendar").mkdir()
    (home / "calendar" / "2027.yaml").write_text("year: 2028\n", encoding="utf-8")
    assert main(["calendar", "check", "--year", "2027"]) == 1
    assert "does not match the file name" in capsys.readouterr().err


def test_a_late_department_reply_goes_to_the_department_then_the_county(ctx, capsys):
    from screening import clocks
    from warehouse.department_tables import DepartmentCheck

    wid = _seed(ctx)
    with building(ctx, seal=False) as b:
        b.add(DepartmentCheck(warning_id=wid, department="health", township="龙河镇",
                              routed_by="town_a", due_on=dt.date(2026, 12, 31), status="routed"))
    with session_scope(ctx.engine) as s:
        clocks.on_event(s, wid, "routed", dt.date(2026, 12, 24), ctx.settings)
    # 部门答复: 5 working days from Thu 24 December is Thu 31 December (25, 28, 29, 30, 31).
    out = _sla(capsys, "2027-01-04")
    assert "escalated to the county 0" in out
    notes = [n for n in _state(ctx, wid)[1] if "部门答复" in n[3]]
    assert [(n[0], n[1]) for n in notes] == [("department", "department_overdue")]
    with session_scope(ctx.engine) as s:
        (dept,) = s.scalars(select(Notification.department).where(
            Notification.kind == "department_overdue")).all()
    assert dept == "health"
    _sla(capsys, "2027-01-05")
    notes = [n for n in _state(ctx, wid)[1] if "部门答复" in n[3]]
    assert [(n[0], n[1]) for n in notes] == [("department", "department_overdue"),
                                             ("county", "escalated")]
    assert "部门已于 2027-01-04 收到提醒，现上报县级" in notes[-1][3]
