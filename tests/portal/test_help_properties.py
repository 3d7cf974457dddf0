"""Property test of the household's case: random sequences of API calls from every role (and
none) against fresh monitored households of two townships — one where someone can work, one
where nobody can — on SQLite and PostgreSQL. Whatever the order: no household reaches 风险已消除
without every step (contact, an approved plan, a 开发式 measure, a visit, a passing review, a
notice and the county admin's confirmation, in order), never one with nobody able to work; the
case's rows only grow; a refusal changes nothing; isolation holds."""
from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, event, example, given, settings, strategies as st
from sqlalchemy import func, select

from screening import help_case
from screening.policies import ensure_policies
from shouwang.core.clock import today as county_today
from tests.portal.conftest import TOWN_A, TOWN_B, token_for
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.help_tables import (EliminationStep, HelpContact, HelpMeasure, HelpPlanDecision,
                                   HelpVisit)
from warehouse.models import Household

ROLES = ("town_a", "town_b", "admin", "analyst", "engineer", None)
OWN = {"town_a": TOWN_A, "town_b": TOWN_B}
TABLES = (HelpContact, HelpMeasure, HelpPlanDecision, HelpVisit, EliminationStep)
ELIMINATED = "风险已消除"
_serial = itertools.count(1)

contact = st.tuples(st.just("contact"), st.sampled_from(["韩干部", "杨干部", ""]),
                    st.sampled_from(["13500135000", None, "12"]))
measure = st.tuples(st.just("measures"), st.sampled_from(["公益性岗位", "低保", "医疗救助", "无此政策"]),
                    st.sampled_from([-40, 0, None]))
plan = st.tuples(st.just("plan"), st.sampled_from(["approve", "approve", "return", "bogus"]),
                 st.sampled_from(["方案不完整", None]))
visit = st.tuples(st.just("visits"), st.sampled_from(["visit", "phone", "walk"]),
                  st.sampled_from([-35, 0, 5]))
# Paper dates near the canonical order (review -30, notice -25 for 12 days, confirm 0) and off it.
step = st.tuples(st.just("elimination"), st.sampled_from(help_case.STEPS),
                 st.tuples(st.sampled_from([-30, -25, 0, 3, -45]), st.sampled_from([12, 1]),
                           st.sampled_from(["pass", "pass", "reject", None])))
callers = st.sampled_from(("town_a",) * 4 + ("town_b",) * 2 + ("admin",) * 4 + ROLES[3:])
calls = st.lists(st.tuples(callers, st.sampled_from((True, True, True, False)),
                           st.sampled_from((True, True, False)),
                           st.one_of(contact, measure, plan, visit, step, step)),
                 min_size=1, max_size=24)


def _body(call: tuple, today: dt.date) -> dict:
    what, arg, extra = call
    if what == "contact":
        return {"cadre": arg, "phone": extra}
    if what == "measures":
        return {"policy": arg, "start_date": None if extra is None
                else (today + dt.timedelta(days=extra)).isoformat()}
    if what == "plan":
        return {"decision": arg, "reason": extra}
    if what == "visits":
        return {"mode": arg, "date": (today + dt.timedelta(days=extra)).isoformat()}
    back, length, result = extra
    day = today + dt.timedelta(days=back)
    return {"step": arg, "date": day.isoformat(),
            "end_date": (day + dt.timedelta(days=length)).isoformat(), "result": result}


def _state(engine, hid: int) -> tuple:
    """The household's risk status and the ids of its case rows, read as the owner."""
    with session_scope(engine) as s:
        status = s.get(Household, hid).risk_status
        rows = tuple(tuple(s.scalars(select(t.id).where(t.household_id == hid).order_by(t.id)))
                     for t in TABLES)
    return status, rows


def _every_step(engine, hid: int) -> bool:
    """Contact, an approved plan, a 开发式 measure, a visit and the round's steps in order,
    passing, the confirmation by the county admin."""
    with session_scope(engine) as s:
        has = {t.__tablename__: s.scalar(select(func.count()).select_from(t)
                                         .where(t.household_id == hid)) for t in TABLES}
        kinds = set(s.scalars(select(HelpMeasure.kind).where(HelpMeasure.household_id == hid)))
        approved = help_case.plan_state(s, hid) == "approve"
        _, steps = help_case.elimination_round(s, hid)
    ends = [x.end_date if x.step == "notice" else x.day for x in steps]
    in_order = [x.step for x in steps] == list(help_case.STEPS) and all(
        b.day >= a for a, b in zip(ends, steps[1:]))
    return (has["help_contacts"] > 0 and has["help_visits"] > 0 and approved
            and "开发式" in kinds and in_order and steps[0].result == "pass"
            and steps[-1].actor == "admin")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(sequence=calls)
def test_random_calls_keep_the_cases_promises(client, seed, ctx, sequence):
    today = county_today(ctx.settings)
    headers = {name: token_for(client, name) for name in ROLES if name}
    targets = {}  # (township, able) -> (household id, 户编号)
    with building(ctx, seal=False) as b:
        for town in (TOWN_A, TOWN_B):
            for able in (True, False):
                n = next(_serial)
                no = f"5002308{n:011d}"
                hh = b.household(no, township=town, village=f"{town[:2]}村1",
                                 household_type="监测户", risk_status="风险未消除", size=2)
                for i in range(2):
                    b.person(hh, f"性{n}{i}", None, relation="户主" if i == 0 else "配偶",
                             labour_capacity=("普通劳动力" if able and i == 0 else "丧失劳动力"))
                b.warning(f"W2026-10-{80000 + n:05d}", f"prop-help:{n}", township=town,
                          household_id=hh.id, reason="卫健：大病确诊", status="monitored")
                targets[(town, able)] = (hh.id, no)
    with session_scope(ctx.engine) as s:
        ensure_policies(s, ctx.settings, ctx.home)
    for who, own, able, call in sequence:
        mine = OWN.get(who, TOWN_A)
        town = mine if own else (TOWN_B if mine == TOWN_A else TOWN_A)
        hid, no = targets[(town, able)]
        before = _state(ctx.engine, hid)
        r = client.post(f"/api/households/{no}/{call[0]}", json=_body(call, today),
                        headers=headers.get(who, {}))
        after = _state(ctx.engine, hid)
        label = f"{who} {call} on {town} able={able}: {r.status_code} {r.text[:200]}"
        for was, now in zip(before[1], after[1]):
            assert now[:len(was)] == was, label  # rows only grow
        if who is None:
            assert r.status_code == 401, label
        elif who == "engineer":
            assert r.status_code == 403, label
        elif who in OWN and OWN[who] != town:
            assert r.status_code == 404, label
            assert client.get(f"/api/households/{no}", headers=headers[who]).status_code == 404
        if r.status_code >= 400:
            assert r.status_code in (401, 403, 404, 409, 422), label
            assert after == before, label  # a refusal changes nothing
            continue
        assert who in ("town_a", "town_b", "admin"), label  # the analyst only reads
        assert sum(map(len, after[1])) == sum(map(len, before[1])) + 1, label
        event(f"recorded {call[0]}")
        if after[0] == ELIMINATED:
            event("reached 风险已消除")
            assert before[0] != ELIMINATED and call[0] == "elimination" and call[1] == "confirm"
            assert able, label  # never a household with nobody able to work
            assert _every_step(ctx.engine, hid), label
    for (town, able), (hid, _) in targets.items():
        status, _ = _state(ctx.engine, hid)
        assert status != ELIMINATED or (able and _every_step(ctx.engine, hid))


CANON = {  # the walk's calls, with valid paper dates
    "contact": ("contact", "韩干部", "13500135000"), "measure": ("measures", "公益性岗位", -40),
    "plan": ("plan", "approve", None), "visit": ("visits", "visit", -35),
    "review": ("elimination", "review", (-30, 12, "pass")),
    "notice": ("elimination", "notice", (-25, 12, None)),
    "confirm": ("elimination", "confirm", (0, 12, None)),
}
BEFORE = {"plan": {"measure"}, "review": {"contact", "measure", "plan", "visit"},
          "notice": {"review"}, "confirm": {"notice"}}
COUNTY_ONLY = ("plan", "confirm")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@example(order=list(CANON), able=True,  # the walk itself, so one example always gets there
         hands=["town_a", "town_a", "admin", "town_a", "town_a", "town_a", "admin"])
@example(order=list(CANON), able=False,
         hands=["town_a", "town_a", "admin", "town_a", "town_a", "town_a", "admin"])
@given(order=st.permutations(list(CANON)), able=st.booleans(),
       hands=st.lists(st.sampled_from(("town_a", "admin", "admin")), min_size=7, max_size=7))
def test_eliminated_exactly_when_every_step_came_in_order(client, seed, ctx, order, able, hands):
    """The walk's seven calls in any order and hands: the household ends 风险已消除 exactly when
    someone can work, every prerequisite came before its step and the county made the county's
    calls."""
    today = county_today(ctx.settings)
    headers = {name: token_for(client, name) for name in ("town_a", "admin")}
    with building(ctx, seal=False) as b:
        n = next(_serial)
        no = f"5002308{n:011d}"
        hh = b.household(no, township=TOWN_A, village="龙河村1", household_type="监测户",
                         risk_status="风险未消除", size=1)
        b.person(hh, f"序{n}", None, relation="户主",
                 labour_capacity="普通劳动力" if able else "无劳动力")
        b.warning(f"W2026-10-{80000 + n:05d}", f"prop-help:{n}", township=TOWN_A,
                  household_id=hh.id, reason="卫健：大病确诊", status="monitored")
        hid = hh.id
    with session_scope(ctx.engine) as s:
        ensure_policies(s, ctx.settings, ctx.home)
    done: set[str] = set()
    for name, who in zip(order, hands):
        call = CANON[name]
        if name == "contact":  # a cadre of its own: the warehouse outlives one example
            call = (call[0], call[1], f"135{n:08d}")
        r = client.post(f"/api/households/{no}/{call[0]}", json=_body(call, today),
                        headers=headers[who])
        ok = (BEFORE.get(name, set()) <= done and (who == "admin" or name not in COUNTY_ONLY)
              and (able or call[0] != "elimination"))
        assert (r.status_code == 200) == ok, f"{order} {hands} {name} by {who}: {r.text[:200]}"
        if ok:
            done.add(name)
    eliminated = _state(ctx.engine, hid)[0] == ELIMINATED
    event(f"eliminated={eliminated}")
    assert eliminated == (done == set(CANON))
    assert not eliminated or (able and _every_step(ctx.engine, hid))
