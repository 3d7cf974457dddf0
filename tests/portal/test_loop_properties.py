"""Property tests of the verification loop: random sequences of API calls from every role (and
none) against fresh warnings of two townships, on SQLite and PostgreSQL. Whatever the order:
the history only grows, nothing reaches closed without the county admin's confirm, nothing
reaches monitored without every identification step in order, and isolation holds."""
from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, event, given, settings, strategies as st
from sqlalchemy import select

from screening.verification import STEPS, current_steps
from shouwang.core.clock import today as county_today
from tests.portal.conftest import TOWN_A, TOWN_B, token_for
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.models import RiskWarning, VerificationTask, WarningHistory

ROLES = ("town_a", "town_b", "admin", "analyst", "engineer", None)  # None: no token
OWN = {"town_a": TOWN_A, "town_b": TOWN_B}
VERIFIERS = {"verifier1": "李四", "verifier2": "王五"}
_serial = itertools.count(70001)  # codes of the warnings each example adds

MOSTLY = st.sampled_from((True, True, True, False))
outcome_call = st.tuples(st.just("outcome"), st.sampled_from(
    ["纳入监测", "纳入监测", "调整帮扶", "不符合", "不符合", "待进一步核实", "无法联系"]), MOSTLY)
closure_call = st.tuples(st.just("closure"), st.sampled_from(["confirm", "return", "bogus"]),
                         MOSTLY)
step_call = st.tuples(st.just("identification"), st.sampled_from(STEPS),
                      st.tuples(st.integers(-60, 2), st.integers(0, 12),
                                st.sampled_from(["pass", "pass", "reject", None])))
# Callers weighted towards those who may act, and towards their own township's warning
# ("own": 3 in 4), so that random sequences get far into the loop as well as being refused.
callers = st.sampled_from(("town_a",) * 3 + ("town_b",) * 3 + ("admin",) * 4 + ROLES[3:])
calls = st.lists(st.tuples(callers, st.sampled_from((True, True, True, False)),
                           st.one_of(outcome_call, closure_call, step_call)),
                 min_size=1, max_size=20)


def _body(call: tuple, today: dt.date) -> dict:
    what, arg, extra = call
    if what == "outcome":
        return {"outcome": arg, **VERIFIERS, **({"reason": "核实理由"} if extra else {})}
    if what == "closure":
        return {"decision": arg, **({"reason": "请重新核实"} if extra else {})}
    back, length, result = extra
    day = today + dt.timedelta(days=back)
    return {"step": arg, "date": day.isoformat(),
            "end_date": (day + dt.timedelta(days=length)).isoformat(), "result": result}


def _state(engine, warning_id: int) -> tuple[str, list[tuple[int, str, str | None]]]:
    """The warning's status and its history as (id, kind, to_status), read as the owner."""
    with session_scope(engine) as s:
        status = s.get(RiskWarning, warning_id).status
        rows = s.execute(select(WarningHistory.id, WarningHistory.kind, WarningHistory.to_status)
                         .where(WarningHistory.warning_id == warning_id)
                         .order_by(WarningHistory.id)).all()
    return status, [tuple(r) for r in rows]


def _steps_in_order(engine, warning_id: int) -> bool:
    """Every step stands in this round, in order, each dated no earlier than the one before."""
    with session_scope(engine) as s:
        task = s.scalar(select(VerificationTask).where(VerificationTask.warning_id == warning_id))
        steps = current_steps(s, warning_id, task.identification_round)
        names = [x.step for x in steps]
        ends = [x.end_date if x.step == "notice" else x.day for x in steps]
        days_ok = all(b.day >= a_end for a_end, b in zip(ends, steps[1:]))
        confirmed_by_county = any(x.step == "confirm" and x.actor == "admin" for x in steps)
        review_passed = all(x.result == "pass" for x in steps if x.step == "review")
    return names == list(STEPS) and days_ok and confirmed_by_county and review_passed


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(sequence=calls)
def test_random_calls_keep_the_loops_promises(client, seed, ctx, sequence):
    today = county_today(ctx.settings)
    headers = {name: token_for(client, name) for name in ROLES if name}
    with building(ctx, seal=False) as b:
        targets = []
        for town in (TOWN_A, TOWN_B):
            n = next(_serial)
            w = b.warning(f"W2026-10-{n:05d}", f"prop:{n}", township=town,
                          village=f"{town[:2]}村1", reason="卫健：大病确诊", due_date=today)
            b.task(w, due_date=today)
            targets.append((w.id, w.code, town))
    for who, own, call in sequence:
        mine = 1 if who == "town_b" else 0
        warning_id, code, town = targets[mine if own else 1 - mine]
        before_status, before = _state(ctx.engine, warning_id)
        r = client.post(f"/api/warnings/{code}/{call[0]}", json=_body(call, today),
                        headers=headers.get(who, {}))
        after_status, after = _state(ctx.engine, warning_id)
        label = f"{who} {call} on {town}: {r.status_code} {r.text[:200]}"
        # The history only grows, and what was written stays as it was.
        assert after[:len(before)] == before, label
        if who is None:
            assert r.status_code == 401, label
        elif who == "engineer":
            assert r.status_code == 403, label
        elif who in OWN and OWN[who] != town:
            assert r.status_code == 404, label  # another township's warning is absent
            assert client.get(f"/api/warnings/{code}", headers=headers[who]).status_code == 404
        if r.status_code >= 400:
            assert (after_status, after) == (before_status, before), label  # a refusal changes nothing
            assert r.status_code in (401, 403, 404, 409, 422), label
            continue
        assert who in ("town_a", "town_b", "admin"), label  # the analyst only reads
        event(f"reached {after_status}")
        assert len(after) > len(before), label  # every change is an entry
        if after_status == "closed":
            assert before_status == "pending_closure" and call[:2] == ("closure", "confirm") \
                and who == "admin", label
        if after_status == "monitored":
            assert before_status == "identifying" and call[:2] == ("identification", "entered"), label
            assert _steps_in_order(ctx.engine, warning_id), label
    # Throughout: whatever is closed was confirmed by the county admin, in its history.
    for warning_id, _, _ in targets:
        status, entries = _state(ctx.engine, warning_id)
        if status == "closed":
            with session_scope(ctx.engine) as s:
                last = s.scalars(select(WarningHistory).where(
                    WarningHistory.warning_id == warning_id).order_by(WarningHistory.id)).all()[-1]
                assert (last.kind, last.actor, last.to_status) == ("closure", "admin", "closed")


CANONICAL = {"pledge": (-50, 0), "review": (-40, 0), "notice": (-30, 12), "confirm": (-10, 0),
             "entered": (0, 0)}  # (days back, notice length): valid dates in the right order


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(order=st.permutations(STEPS), hands=st.lists(st.sampled_from(("town_a", "admin")),
                                                    min_size=5, max_size=5))
def test_monitored_only_through_every_step_in_order(client, seed, ctx, order, hands):
    today = county_today(ctx.settings)
    headers = {name: token_for(client, name) for name in ("town_a", "admin")}
    with building(ctx, seal=False) as b:
        n = next(_serial)
        w = b.warning(f"W2026-10-{n:05d}", f"prop:{n}", township=TOWN_A,
                      reason="卫健：大病确诊", due_date=today)
        b.task(w, due_date=today)
        code, warning_id = w.code, w.id
    r = client.post(f"/api/warnings/{code}/outcome", json={"outcome": "纳入监测", **VERIFIERS},
                    headers=headers["town_a"])
    assert r.json()["status"] == "identifying"
    for step, who in zip(order, hands):
        back, length = CANONICAL[step]
        client.post(f"/api/warnings/{code}/identification", headers=headers[who], json=_body(
            ("identification", step, (back, length, "pass")), today))
    status, _ = _state(ctx.engine, warning_id)
    # Only the right order, with the county admin confirming, makes a monitored household.
    expected = list(order) == list(STEPS) and hands[STEPS.index("confirm")] == "admin"
    assert (status == "monitored") == expected, (order, hands, status)
    if expected:
        assert _steps_in_order(ctx.engine, warning_id)
