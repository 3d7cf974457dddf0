"""归口核查 on both databases: routing to the owning department, the reply clock, history,
notices, and what cannot be routed or answered."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from screening import routing
from screening.calendar import add_working_days
from screening.clocks import clocks_of
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.department_tables import DepartmentCheck
from warehouse.models import RiskWarning, WarningHistory
from warehouse.notification_tables import Notification

DAY = dt.date(2026, 11, 2)  # a Monday


@pytest.fixture
def county(ctx):
    """Two warnings of 龙河镇 (the default policy's department_reply clock runs on them): an
    illness one and a schooling one."""
    with building(ctx, create_key=True) as b:
        hh = b.household("500230100100000001", township="龙河镇", village="双河村")
        b.person(hh, "张三", b.ids.new(), relation="户主")
        ill = b.warning("W2026-10-00001", "hh:1:illness", "illness", household_id=hh.id,
                        township="龙河镇", village="双河村", reason="确诊大病（肺癌）")
        school = b.warning("W2026-10-00002", "hh:1:schooling", "schooling", household_id=hh.id,
                           township="龙河镇", village="双河村", reason="辍学")
        return {"illness": ill.id, "schooling": school.id}


def _warning(s, wid: int) -> RiskWarning:
    return s.get(RiskWarning, wid)


def test_route_and_reply_run_the_clock_and_tell_the_other_side(ctx, county):
    with session_scope(ctx.engine) as s:
        check = routing.route(s, _warning(s, county["illness"]), "卫健", "请核实病情与医保报销",
                              "龙河核查员", DAY, ctx.settings, ctx.home)
        assert (check.department, check.township, check.status) == ("health", "龙河镇", "routed")
        assert check.due_on == add_working_days(DAY, 5) == dt.date(2026, 11, 9)
        [clock] = clocks_of(s, county["illness"])
        assert (clock.clock, clock.started_on, clock.due_on, clock.stopped_on) == \
            ("department_reply", DAY, check.due_on, None)
    with session_scope(ctx.engine) as s:
        check = routing.open_check(s, county["illness"], "health")
        routing.reply(s, check, _warning(s, county["illness"]), "已入户，确诊属实，已纳入大病救助",
                      "申请医疗救助", None, "卫健核查员", dt.date(2026, 11, 5), ctx.settings)
    with session_scope(ctx.engine) as s:
        [check] = routing.checks_of(s, county["illness"])
        assert (check.status, check.replied_by, check.measure) == \
            ("replied", "卫健核查员", "申请医疗救助")
        [clock] = clocks_of(s, county["illness"])
        assert clock.stopped_on == dt.date(2026, 11, 5)
        kinds = [(h.kind, h.actor) for h in s.scalars(
            select(WarningHistory).where(WarningHistory.warning_id == county["illness"])
            .order_by(WarningHistory.id))]
        assert kinds == [("routed", "龙河核查员"), ("department_replied", "卫健核查员")]
        notes = s.execute(select(Notification.kind, Notification.audience, Notification.department,
                                 Notification.township).order_by(Notification.id)).all()
        assert notes == [("routed", "department", "health", "龙河镇"),
                         ("department_replied", "township", None, "龙河镇")]
        reply_text = s.scalar(select(WarningHistory.reason).where(
            WarningHistory.kind == "department_replied"))
        assert reply_text.startswith("卫健答复：已入户") and "逾期" not in reply_text


def test_a_late_reply_says_so_and_an_open_check_escalates_like_every_clock(ctx, county):
    with session_scope(ctx.engine) as s:
        routing.route(s, _warning(s, county["illness"]), "health", None, "县管理员", DAY,
                      ctx.settings, ctx.home)
    with session_scope(ctx.engine) as s:
        running = routing.clocks.running(s, [county["illness"]])
        assert [(c.clock, c.due_on) for c in running] == [("department_reply", dt.date(2026, 11, 9))]
        check = routing.open_check(s, county["illness"], "health")
        routing.reply(s, check, _warning(s, county["illness"]), "核实完毕", None, "备注",
                      "卫健核查员", dt.date(2026, 11, 12), ctx.settings)
    with session_scope(ctx.engine) as s:
        text = s.scalar(select(WarningHistory.reason).where(
            WarningHistory.kind == "department_replied"))
        assert "逾期，应于 2026-11-09 前" in text
        assert routing.clocks.running(s, [county["illness"]]) == []


@pytest.mark.parametrize("department, message", [
    ("教育", "教育不负责此类风险（illness）；可归口的部门: 卫健、医保"),
    ("林业", "没有部门 '林业'"),
])
def test_only_an_owning_department_can_be_routed_to(ctx, county, department, message):
    with session_scope(ctx.engine) as s:
        with pytest.raises(routing.RoutingError, match=message) as e:
            routing.route(s, _warning(s, county["illness"]), department, None, "x", DAY,
                          ctx.settings, ctx.home)
        assert e.value.field == "department" and not e.value.conflict


def test_twice_to_one_department_ended_warnings_and_second_replies_are_conflicts(ctx, county):
    with session_scope(ctx.engine) as s:
        w = _warning(s, county["schooling"])
        routing.route(s, w, "education", None, "x", DAY, ctx.settings, ctx.home)
        with pytest.raises(routing.RoutingError, match="已交教育核查，尚未答复") as e:
            routing.route(s, w, "教育", None, "x", DAY, ctx.settings, ctx.home)
        assert e.value.conflict
        check = routing.open_check(s, w.id, "education")
        routing.reply(s, check, w, "学生已返校", None, None, "教育局", DAY, ctx.settings)
        with pytest.raises(routing.RoutingError, match="已答复"):
            routing.reply(s, check, w, "again", None, None, "教育局", DAY, ctx.settings)
        # Answered: the township may route it again (a new round, the old answer kept).
        again = routing.route(s, w, "education", None, "x", DAY, ctx.settings, ctx.home)
        assert again.id != check.id and len(routing.checks_of(s, w.id)) == 2
        w.status = "closed"
        s.flush()
        with pytest.raises(routing.RoutingError, match="已结束"):
            routing.route(s, w, "education", None, "x", DAY, ctx.settings, ctx.home)
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(DepartmentCheck.note)) is None


def test_notes_and_findings_never_keep_an_id(ctx, county):
    with building(ctx) as b:
        rid = b.ids.new(dt.date(1980, 1, 1))
    with session_scope(ctx.engine) as s:
        w = _warning(s, county["illness"])
        check = routing.route(s, w, "health", f"户主身份证 {rid}", "x", DAY, ctx.settings,
                              ctx.home)
        routing.reply(s, check, w, f"核对 {rid} 属实", f"联系 13912345678", None, "y", DAY,
                      ctx.settings)
    with session_scope(ctx.engine) as s:
        c = s.scalar(select(DepartmentCheck))
        texts = [c.note, c.finding, c.measure] + list(s.scalars(select(WarningHistory.reason))) \
            + list(s.scalars(select(Notification.text)))
        assert not any(rid in t or "13912345678" in t for t in texts if t)
        assert rid[:6] + "********" + rid[-4:] in c.note


def test_department_owns_reads_the_county_overlay(ctx, county):
    owns = routing.department_owns(ctx.settings, DAY.year, ctx.home)
    assert owns["health"] == ("illness",) and owns["agriculture"] == ("industry",)
    assert routing.owners(owns, "accident") == ["emergency", "police"]
    path = ctx.home / "rules" / f"{ctx.settings['county']['code']}.yaml"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(exist_ok=True)
    path.write_text(text + "department_owns:\n  health: [illness, disability]\n", encoding="utf-8")
    owns = routing.department_owns(ctx.settings, DAY.year, ctx.home)
    assert owns["health"] == ("illness", "disability") and owns["education"] == ("schooling",)


def test_an_unanswered_check_escalates_to_the_department_then_the_county(ctx, county):
    from screening.deadlines import escalate

    with session_scope(ctx.engine) as s:
        routing.route(s, _warning(s, county["illness"]), "health", None, "龙河核查员", DAY,
                      ctx.settings, ctx.home)
    at = dt.datetime(2026, 11, 10, 1, tzinfo=dt.timezone.utc)
    # rules: department_reply escalates to the department that owes the reply, then the county
    with session_scope(ctx.engine) as s:  # due 11-09: the next day the department hears of it
        assert escalate(s, dt.date(2026, 11, 9), at, ctx.settings)["escalated_department"] == 0
        counts = escalate(s, dt.date(2026, 11, 10), at, ctx.settings)
        assert (counts["escalated_department"], counts["escalated_county"]) == (1, 0)
        counts = escalate(s, dt.date(2026, 11, 11), at, ctx.settings)
        assert (counts["escalated_department"], counts["escalated_county"]) == (0, 1)
        notes = s.execute(select(Notification.kind, Notification.audience, Notification.text)
                          .where(Notification.kind != "routed").order_by(Notification.id)).all()
        assert [(k, a) for k, a, _ in notes] == [("department_overdue", "department"),
                                                  ("escalated", "county")]
        assert all("W2026-10-00001" in t and "部门答复" in t for _, _, t in notes)
