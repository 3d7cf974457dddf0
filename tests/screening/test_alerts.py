"""Regional alerts are shocks (seed 004 §3): one event behind many households, or a count that is
improbably high for the place; never the ordinary monthly count of a large place."""
import itertools

import pytest
from sqlalchemy import select

from screening.rules import RuleError, load_rules
from screening.screen import screen_period
from tests.screening.factory import PERIOD, County
from tests.support.warehouse import Builder
from warehouse.db import session_scope
from warehouse.models import Alert

FLOOD = {"disaster_type": "洪涝", "damage": "房屋严重损坏", "direct_loss": 30000.0}
SICK = {"disease_category": "大病", "disease": "尿毒症"}
_numbers = itertools.count(1)


def _alerts(ctx, period=PERIOD):
    with session_scope(ctx.engine) as s:
        return {(a.township, a.village, a.risk_type, a.households, a.kind, a.reason)
                for a in s.execute(select(Alert).where(Alert.period == period)).scalars()}


def _no() -> str:
    return f"50023{next(_numbers):011d}"


def _quiet_households(ctx, township, village, n):
    """Roster households with no record this period: they set the place's size only."""
    with session_scope(ctx.engine) as s:
        b = Builder(s, None)
        for _ in range(n):
            b.household(_no(), county="示范县", township=township, village=village, active=True)


def _hit(county, batch, fields, village, n, township="龙河镇"):
    for _ in range(n):
        hh = county.household(_no(), township=township, village=village)
        county.record(batch, fields, person=(hh, 0), township=township, village=village)


def test_one_flood_day_is_an_alert_five_scattered_days_are_not(ctx):
    county = County(ctx)
    batch = county.batch("emergency")
    _quiet_households(ctx, "龙河镇", "双河村", 40)
    _quiet_households(ctx, "龙河镇", "青龙村", 40)
    _hit(county, batch, {**FLOOD, "disaster_date": "2026-10-05"}, "双河村", 5)
    for day in range(1, 6):  # five households of one village, each flooded on another day
        _hit(county, batch, {**FLOOD, "disaster_date": f"2026-10-{day:02d}", "disaster_type": "冰冻"},
             "青龙村", 1)
    summary = screen_period(ctx, PERIOD)
    assert _alerts(ctx) == {("龙河镇", "双河村", "disaster", 5, "event",
                             "龙河镇双河村 5 户 洪涝 同日受灾（2026-10-05）")}
    assert summary["alerts"] == 1


def test_a_large_townships_ordinary_count_is_no_alert_an_improbable_village_is(ctx):
    county = County(ctx)
    batch = county.batch("health")
    # 龙河镇: 20 sick of 400 households, under the county's rate (the old rule: 15 → alert).
    for village in ("双河村", "青龙村"):
        _quiet_households(ctx, "龙河镇", village, 190)
        _hit(county, batch, SICK, village, 10)
    # 桃花镇新建村: 35 of 100 where the county's rate (55 of 500) says about 11.
    _quiet_households(ctx, "桃花镇", "新建村", 65)
    _hit(county, batch, SICK, "新建村", 35, township="桃花镇")
    screen_period(ctx, PERIOD)
    assert _alerts(ctx) == {("桃花镇", "新建村", "illness", 35, "rate",
                             "桃花镇新建村 因病 35 户，常态约 11 户（按全县本期比例）")}


def test_a_place_is_judged_against_its_own_earlier_periods(ctx):
    county = County(ctx)
    _quiet_households(ctx, "龙河镇", "双河村", 390)
    _quiet_households(ctx, "桃花镇", "新建村", 80)
    for period in ("2026-09", PERIOD):  # 新建村 has had about 20 sick households every month
        batch = county.batch("health", period=period)
        _hit(county, batch, SICK, "新建村", 20, township="桃花镇")
        _hit(county, batch, SICK, "双河村", 4)
        screen_period(ctx, period)
    first = _alerts(ctx, "2026-09")
    assert [(v, kind) for _, v, _, _, kind, _ in first] == [("新建村", "rate")]  # no history yet
    assert _alerts(ctx, PERIOD) == set()  # against its own September it is ordinary


def test_an_alert_no_longer_a_shock_is_withdrawn_thresholds_from_the_county_rules(ctx):
    county = County(ctx)
    batch = county.batch("emergency")
    _hit(county, batch, {**FLOOD, "disaster_date": "2026-10-05"}, "双河村", 4)
    (ctx.home / "rules").mkdir()
    overlay = ctx.home / "rules" / "500230.yaml"
    overlay.write_text("alerts: {event_min_households: 4}\n", encoding="utf-8")
    screen_period(ctx, PERIOD)
    assert {a[4] for a in _alerts(ctx)} == {"event"}
    overlay.write_text("alerts: {event_min_households: 5}\n", encoding="utf-8")
    screen_period(ctx, PERIOD)
    assert _alerts(ctx) == set()


def test_the_rules_loader_refuses_the_old_count_thresholds_and_unknown_words(home, tmp_path):
    (home / "rules").mkdir(exist_ok=True)
    overlay = home / "rules" / "500230.yaml"
    settings = {"county": {"code": "500230"}}
    overlay.write_text("alerts: {township_min_households: 15}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="township_min_households no longer apply"):
        load_rules(settings, PERIOD, home)
    overlay.write_text("alerts: {events: {emergency: {reason: '{place} {loss}'}}}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"event 'emergency'.*\{loss\} is not known"):
        load_rules(settings, PERIOD, home)
    # An agriculture feed is one line: its event key and its words.
    overlay.write_text("alerts: {events: {agriculture: {key: [project, failure_date], "
                       "reason: '{place} {households} 户 {project} 项目失败'}}}\n", encoding="utf-8")
    assert set(load_rules(settings, PERIOD, home).alerts["events"]) == {"emergency", "agriculture"}


def test_last_months_flood_carried_into_this_month_is_not_a_new_event(ctx):
    county = County(ctx)
    flooded = [county.household(_no(), village="双河村") for _ in range(5)]
    for period in ("2026-09", PERIOD):  # the same five households reported again in October
        batch = county.batch("emergency", period=period)
        for hh in flooded:
            county.record(batch, {**FLOOD, "disaster_date": "2026-09-20"}, person=(hh, 0))
        screen_period(ctx, period)
    assert [a[4] for a in _alerts(ctx, "2026-09")] == ["event"]
    assert _alerts(ctx, PERIOD) == set()


def test_an_earlier_months_disaster_first_reported_now_is_not_this_months_event(ctx):
    county = County(ctx)
    batch = county.batch("emergency")
    _hit(county, batch, {**FLOOD, "disaster_date": "2026-09-28"}, "双河村", 6)  # re-listed victims
    screen_period(ctx, PERIOD)
    assert _alerts(ctx) == set()
