"""Step clocks are county policy: seed 004's two clocks by default, seed 000's from an overlay."""
import datetime as dt
import shutil

import pytest
from sqlalchemy import select

from screening import clocks
from screening.rules.loader import RULES_DIR
from screening.rules.model import RuleError
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.notification_tables import WarningClock

D = dt.date


def _warning(ctx, code="W2026-10-00001"):
    with building(ctx, seal=False) as b:
        return b.warning(code, f"hh:{code}", township="龙河镇", village="红岩村",
                         reason="住院自付 5 万元").id


def _clocks(ctx, warning_id):
    with session_scope(ctx.engine) as s:
        return [(c.clock, c.started_on, c.due_on, c.stopped_on)
                for c in s.scalars(select(WarningClock).where(WarningClock.warning_id == warning_id)
                                   .order_by(WarningClock.clock, WarningClock.started_on))]


def _event(ctx, warning_id, event, day):
    with session_scope(ctx.engine) as s:
        clocks.on_event(s, warning_id, event, day, ctx.settings)


def test_seed_004_default_runs_two_clocks_on_one_warning(ctx):
    wid = _warning(ctx)
    _event(ctx, wid, "published", D(2026, 9, 30))
    _event(ctx, wid, "published", D(2026, 9, 30))  # a replay adds nothing
    # two clocks: 5 working days (8, 9, worked Saturday 10, 12, 13 October) and a month
    assert len(_clocks(ctx, wid)) == 2
    got = {c[0]: c for c in _clocks(ctx, wid)}
    assert got["first_review"] == ("first_review", D(2026, 9, 30), D(2026, 10, 13), None)
    assert got["full_verification"] == ("full_verification", D(2026, 9, 30), D(2026, 10, 30), None)
    # A visit (初审) stops the first clock only; a finding stops the second.
    _event(ctx, wid, "outcome:verifying", D(2026, 10, 9))
    got = {c[0]: c for c in _clocks(ctx, wid)}
    assert got["first_review"][3] == D(2026, 10, 9) and got["full_verification"][3] is None
    _event(ctx, wid, "outcome:pending_closure", D(2026, 10, 20))
    got = {c[0]: c for c in _clocks(ctx, wid)}
    assert got["full_verification"][3] == D(2026, 10, 20)
    assert got["closure"] == ("closure", D(2026, 10, 20), D(2026, 10, 21), None)


def test_a_returned_closure_starts_the_clocks_again_as_a_new_run(ctx):
    wid = _warning(ctx)
    _event(ctx, wid, "published", D(2026, 11, 2))
    _event(ctx, wid, "outcome:pending_closure", D(2026, 11, 3))
    _event(ctx, wid, "closure_returned", D(2026, 11, 5))
    runs = [c for c in _clocks(ctx, wid) if c[0] == "first_review"]
    assert runs == [("first_review", D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 3)),
                    ("first_review", D(2026, 11, 5), D(2026, 11, 12), None)]
    assert [c[3] for c in _clocks(ctx, wid) if c[0] == "closure"] == [D(2026, 11, 5)]


def test_unreachable_twice_moves_the_next_attempt_to_the_next_working_day(ctx):
    wid = _warning(ctx)
    _event(ctx, wid, "outcome:unreachable", D(2026, 11, 6))  # a Friday
    _event(ctx, wid, "outcome:unreachable", D(2026, 11, 6))  # the same attempt again
    _event(ctx, wid, "outcome:unreachable", D(2026, 11, 9))
    runs = [c for c in _clocks(ctx, wid) if c[0] == "next_attempt"]
    assert runs == [("next_attempt", D(2026, 11, 6), D(2026, 11, 9), D(2026, 11, 9)),
                    ("next_attempt", D(2026, 11, 9), D(2026, 11, 10), None)]


def test_seed_000_policy_from_a_county_overlay(ctx):
    (ctx.home / "rules").mkdir(exist_ok=True)
    shutil.copy(RULES_DIR / "examples" / "seed000.yaml",
                ctx.home / "rules" / f"{ctx.settings['county']['code']}.yaml")
    rules = clocks.policy(ctx.settings, 2026, ctx.home)
    assert "first_review" not in rules and "full_verification" not in rules
    assert rules["verify"].working_days == 1 and rules["closure"].working_days == 1
    wid = _warning(ctx)
    _event(ctx, wid, "published", D(2026, 11, 6))
    assert _clocks(ctx, wid) == [("verify", D(2026, 11, 6), D(2026, 11, 9), None)]
    _event(ctx, wid, "outcome:identifying", D(2026, 11, 9))
    for step, day in (("pledge", D(2026, 11, 10)), ("review", D(2026, 11, 11)),
                      ("notice", D(2026, 11, 12)), ("confirm", D(2026, 11, 20))):
        _event(ctx, wid, step, day)
    assert ("entry", D(2026, 11, 20), D(2026, 11, 23), None) in _clocks(ctx, wid)
    _event(ctx, wid, "entered", D(2026, 11, 23))
    # every verification clock is stopped; entry starts the help loop's (cadre, plan, …)
    assert all(c[3] is not None for c in _clocks(ctx, wid) if not c[0].startswith(("help_", "clear_")))
    assert any(c[0].startswith("help_") and c[3] is None for c in _clocks(ctx, wid))


def test_a_clock_in_a_county_year_file_applies_to_that_year_only(home):
    settings = {"county": {"code": "500230"}, "screening": {"rules": "default"}}
    (home / "rules").mkdir()
    (home / "rules" / "500230_2027.yaml").write_text(
        "clocks:\n  first_review: {working_days: 3}\n", encoding="utf-8")
    assert clocks.policy(settings, 2027, home)["first_review"].working_days == 3
    assert clocks.policy(settings, 2026, home)["first_review"].working_days == 5


@pytest.mark.parametrize("spec,message", [
    ("{working_days: 1, starts_on: [publishd]}", "unknown event"),
    ("{starts_on: [published]}", "exactly one of working_days or months"),
    ("{working_days: 1, months: 1, starts_on: [published]}", "exactly one"),
    ("{working_days: -1, starts_on: [published]}", "whole number"),
    ("{working_days: 1, starts_on: [published], escalate: [county, township]}", "in that order"),
    ("{working_days: 1}", "no starts_on"),
])
def test_a_wrong_clock_is_refused_naming_the_file(home, spec, message):
    settings = {"county": {"code": "500230"}, "screening": {"rules": "default"}}
    (home / "rules").mkdir()
    (home / "rules" / "500230.yaml").write_text(f"clocks:\n  broken: {spec}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=message) as err:
        clocks.policy(settings, 2026, home)
    assert "500230.yaml" in str(err.value) and "broken" in str(err.value)


def test_an_unknown_event_from_code_is_a_bug(ctx):
    with session_scope(ctx.engine) as s, pytest.raises(ValueError, match="unknown clock event"):
        clocks.on_event(s, 1, "outcome:maybe", D(2026, 11, 2), ctx.settings)


def test_a_month_from_the_31st_ends_on_the_last_day_of_the_next_month():
    rule = clocks.build_clock("m", {"months": 1, "starts_on": ["published"]}, "test")
    assert rule.due(D(2027, 1, 29)) >= D(2027, 2, 28)  # 2027: no official table; weekdays
    assert clocks.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert clocks.add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)


def test_the_portal_role_runs_only_its_townships_clocks(ctx):
    """A cadre's outcome starts and stops clocks through the portal's role; on PostgreSQL the row
    policy shows a township only the clocks of warnings it may see."""
    from portal.database import portal_session
    from portal.principal import Principal

    mine, theirs = _warning(ctx, "W2026-10-00001"), None
    with building(ctx, seal=False) as b:
        theirs = b.warning("W2026-10-00002", "hh:2", township="三合街道", reason="r").id
    _event(ctx, theirs, "published", D(2026, 11, 2))
    longhe = Principal(user_id=1, name="lh", role="township", township="龙河镇")
    with portal_session(ctx.engine, ctx.settings, longhe) as s:
        clocks.on_event(s, mine, "published", D(2026, 11, 2), ctx.settings)
        clocks.on_event(s, mine, "outcome:verifying", D(2026, 11, 3), ctx.settings)
        seen = {c.warning_id for c in clocks.running(s)}
    assert {c[0]: c[3] for c in _clocks(ctx, mine)} == {"first_review": D(2026, 11, 3),
                                                        "full_verification": None}
    if ctx.engine.dialect.name == "postgresql":
        assert seen == {mine}
