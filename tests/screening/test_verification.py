"""The verification loop's state machine (screening.verification) on SQLite and PostgreSQL,
without the portal: statuses, corrections, 无法联系, 销号, identification steps and their dates,
the history's fields, and the clocks each event starts and stops."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from screening import verification as loop
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.models import RiskWarning, WarningHistory
from warehouse.notification_tables import WarningClock

TOWN = "龙河镇"
TOWNSHIP = loop.Actor("town_a", "township")
COUNTY = loop.Actor("admin", "county_admin")
TODAY = dt.date(2026, 11, 30)
PAIR = ("李四", "王五")


@pytest.fixture
def warning_id(ctx) -> int:
    """One open warning of 龙河镇 with its task."""
    with building(ctx, seal=False) as b:
        w = b.warning("W2026-10-00001", "hh:1", township=TOWN, village="龙河村1",
                      reason="卫健：大病确诊", due_date=TODAY)
        b.task(w, due_date=TODAY)
        return w.id


def _run(ctx, warning_id: int, action, *args, **kwargs):
    """Apply one loop action in its own transaction; returns the warning's status after."""
    with session_scope(ctx.engine) as s:
        w = s.get(RiskWarning, warning_id)
        action(s, w, *args, settings=ctx.settings, today=TODAY, **kwargs)
        return w.status


def _outcome(ctx, warning_id, outcome, reason=None, actor=TOWNSHIP):
    return _run(ctx, warning_id, loop.apply_outcome, outcome=outcome, reason=reason,
                verifiers=PAIR, actor=actor)


def _step(ctx, warning_id, step, day, actor=TOWNSHIP, **extra):
    return _run(ctx, warning_id, loop.record_step, loop.StepInput(step, day, **extra), actor=actor)


def _history(ctx, warning_id) -> list[WarningHistory]:
    with session_scope(ctx.engine) as s:
        rows = s.scalars(select(WarningHistory).where(WarningHistory.warning_id == warning_id)
                         .order_by(WarningHistory.id)).all()
        s.expunge_all()
        return rows


def _clocks(ctx, warning_id) -> dict[str, bool]:
    """Each clock of the warning: True while it runs."""
    with session_scope(ctx.engine) as s:
        return {c.clock: c.stopped_on is None for c in s.scalars(
            select(WarningClock).where(WarningClock.warning_id == warning_id))}


def test_every_outcome_maps_to_its_status(ctx, warning_id):
    assert _outcome(ctx, warning_id, "待进一步核实") == loop.VERIFYING
    assert _outcome(ctx, warning_id, "调整帮扶") == loop.ADJUSTING
    assert _outcome(ctx, warning_id, "不符合", "收入已超过监测线") == loop.PENDING_CLOSURE
    assert _outcome(ctx, warning_id, "纳入监测") == loop.IDENTIFYING
    kinds = [(h.kind, h.from_status, h.to_status) for h in _history(ctx, warning_id)]
    assert kinds == [("outcome", "open", "verifying"), ("outcome", "verifying", "adjusting"),
                     ("correction", "adjusting", "pending_closure"),
                     ("correction", "pending_closure", "identifying")]
    assert set(ctx.settings["portal"]["outcomes"]) == {"纳入监测", "调整帮扶", "不符合", "待进一步核实",
                                                       "无法联系"}
    assert all(r["warning_status"] in loop.STATUSES
               for r in ctx.settings["portal"]["outcomes"].values())


def test_an_id_or_phone_in_a_reason_is_masked_in_the_history(ctx, warning_id):
    _outcome(ctx, warning_id, "不符合", "户主 500230197003041234 电话 13812345678 已迁出")
    entry = _history(ctx, warning_id)[0]
    assert "500230197003041234" not in entry.reason and "13812345678" not in entry.reason
    assert "500230197003041234" not in str(entry.fields) and "********" in entry.fields["reason"]


def test_unreachable_counts_visits_and_escalates_once(ctx, warning_id):
    after = ctx.settings["verification"]["unreachable_escalate_after"]
    for _ in range(after):
        assert _outcome(ctx, warning_id, "无法联系") == loop.OPEN
    entries = _history(ctx, warning_id)
    assert [h.kind for h in entries] == ["unreachable"] * after + ["escalated"]
    assert entries[0].fields["next_attempt"] == "2026-12-01"  # the next working day
    assert entries[-1].fields == {"attempts": after, "audience": "county"}


def test_closure_confirm_and_return(ctx, warning_id):
    _outcome(ctx, warning_id, "不符合", "已稳定就业")
    with pytest.raises(loop.Refused) as refused:
        _run(ctx, warning_id, loop.decide_closure, decision="confirm", reason=None, actor=TOWNSHIP)
    assert refused.value.kind == "forbidden"
    assert _run(ctx, warning_id, loop.decide_closure, decision="return", reason="请补充收入证明",
                actor=COUNTY) == loop.OPEN
    _outcome(ctx, warning_id, "不符合", "已稳定就业，收入证明已补充")
    assert _run(ctx, warning_id, loop.decide_closure, decision="confirm", reason=None,
                actor=COUNTY) == loop.CLOSED
    with pytest.raises(loop.Refused, match="已销号") as refused:
        _outcome(ctx, warning_id, "纳入监测")
    assert refused.value.kind == "conflict"


def test_identification_in_order_to_monitored_with_its_clocks(ctx, warning_id):
    _outcome(ctx, warning_id, "纳入监测")
    _step(ctx, warning_id, "pledge", dt.date(2026, 11, 2))
    _step(ctx, warning_id, "review", dt.date(2026, 11, 5), result="pass")
    _step(ctx, warning_id, "notice", dt.date(2026, 11, 6), end_date=dt.date(2026, 11, 12))
    _step(ctx, warning_id, "confirm", dt.date(2026, 11, 13), actor=COUNTY)
    assert _clocks(ctx, warning_id).get("entry") is True  # 录入 within 1 day of confirm: running
    assert _step(ctx, warning_id, "entered", dt.date(2026, 11, 16)) == loop.MONITORED
    assert _clocks(ctx, warning_id)["entry"] is False
    with session_scope(ctx.engine) as s:
        steps = loop.current_steps(s, warning_id, 1)
        assert [x.step for x in steps] == list(loop.STEPS)
        assert loop.next_step(s.get(RiskWarning, warning_id), steps) is None


def test_a_notice_counts_official_working_days(ctx, warning_id):
    _outcome(ctx, warning_id, "纳入监测")
    _step(ctx, warning_id, "pledge", dt.date(2026, 9, 21))
    _step(ctx, warning_id, "review", dt.date(2026, 9, 25), result="pass")
    # 29 Sept to 9 Oct is 11 days but, over the National Day holiday, 4 working days.
    with pytest.raises(loop.Refused, match="只有 4 个工作日") as refused:
        _step(ctx, warning_id, "notice", dt.date(2026, 9, 29), end_date=dt.date(2026, 10, 9))
    assert (refused.value.kind, refused.value.field) == ("invalid", "end_date")
    # Saturday 10 Oct is an adjusted working day: the fifth.
    _step(ctx, warning_id, "notice", dt.date(2026, 9, 29), end_date=dt.date(2026, 10, 10))


def test_a_new_identification_round_after_a_return_starts_from_the_pledge(ctx, warning_id):
    _outcome(ctx, warning_id, "纳入监测")
    _step(ctx, warning_id, "pledge", dt.date(2026, 11, 2))
    assert _step(ctx, warning_id, "review", dt.date(2026, 11, 5),
                 result="reject") == loop.PENDING_CLOSURE
    _run(ctx, warning_id, loop.decide_closure, decision="return", reason="评议程序不规范，重新评议",
         actor=COUNTY)
    _outcome(ctx, warning_id, "纳入监测")
    with pytest.raises(loop.Refused, match="请先完成「承诺授权」"):
        _step(ctx, warning_id, "review", dt.date(2026, 11, 20), result="pass")
    _step(ctx, warning_id, "pledge", dt.date(2026, 11, 20))
    with session_scope(ctx.engine) as s:
        assert [(x.step, x.round) for x in loop.current_steps(s, warning_id, 2)] == [("pledge", 2)]


def test_withdrawn_warnings_take_nothing(ctx, warning_id):
    with session_scope(ctx.engine) as s:
        s.get(RiskWarning, warning_id).status = loop.WITHDRAWN
    with pytest.raises(loop.Refused, match="撤回"):
        _outcome(ctx, warning_id, "纳入监测")


def test_a_household_whose_risk_was_eliminated_is_at_risk_again_once_identified(ctx):
    """A new risk identified on a 风险已消除 household makes it 风险未消除 again, appended to its
    history, so its help case can start (seed 004 §9)."""
    from warehouse.models import Household, HouseholdHistory

    with building(ctx, seal=False) as b:
        hh = b.household("500230000000000901", township=TOWN, village="龙河村1",
                         household_type="监测户", risk_status="风险已消除", size=2)
        w = b.warning("W2026-10-00009", f"hh:{hh.id}", household_id=hh.id, township=TOWN,
                      village="龙河村1", reason="医保：个人自付 3 万元", due_date=TODAY)
        b.task(w, due_date=TODAY)
        warning_id, household_id = w.id, hh.id
    _outcome(ctx, warning_id, "纳入监测")
    for step, day, extra in (("pledge", dt.date(2026, 11, 2), {}),
                             ("review", dt.date(2026, 11, 5), {"result": "pass"}),
                             ("notice", dt.date(2026, 11, 6), {"end_date": dt.date(2026, 11, 12)})):
        _step(ctx, warning_id, step, day, **extra)
    _step(ctx, warning_id, "confirm", dt.date(2026, 11, 13), actor=COUNTY)
    with session_scope(ctx.engine) as s:  # confirmed, not yet entered: still as the roster says
        assert s.get(Household, household_id).risk_status == "风险已消除"
    assert _step(ctx, warning_id, "entered", dt.date(2026, 11, 16)) == loop.MONITORED
    with session_scope(ctx.engine) as s:
        assert s.get(Household, household_id).risk_status == "风险未消除"
        rows = s.execute(select(HouseholdHistory.risk_status, HouseholdHistory.valid_to)
                         .where(HouseholdHistory.household_id == household_id)
                         .order_by(HouseholdHistory.id)).all()
        assert rows[-1] == ("风险未消除", None)
