"""Regional alerts: N households of one type in a village, or M in a township, in one period."""
from sqlalchemy import select

from screening.screen import screen_period
from tests.screening.factory import PERIOD, County
from warehouse.db import session_scope
from warehouse.models import Alert

FLOOD = {"disaster_type": "洪涝", "damage": "房屋严重损坏", "direct_loss": 30000.0}


def _alerts(ctx):
    with session_scope(ctx.engine) as s:
        return {(a.township, a.village, a.risk_type, a.households)
                for a in s.execute(select(Alert)).scalars()}


def _flood(county, batch, village, n, start):
    for i in range(n):
        hh = county.household(f"50023{start + i:05d}", village=village)
        county.record(batch, FLOOD, person=(hh, 0))


def test_five_households_in_a_village_raise_an_alert_four_do_not(ctx):
    county = County(ctx)
    batch = county.batch("emergency")
    _flood(county, batch, "双河村", 5, 0)
    _flood(county, batch, "青龙村", 4, 100)
    wang = county.new_id()  # a lead counts too, once however many records name him
    county.record(batch, FLOOD, link="none", name="王五", resident_id=wang, village="青龙村")
    county.record(batch, {**FLOOD, "damage": "房屋倒塌"}, link="none", name="王五", resident_id=wang,
                  village="青龙村")
    summary = screen_period(ctx, PERIOD)
    assert _alerts(ctx) == {("龙河镇", "双河村", "disaster", 5), ("龙河镇", "青龙村", "disaster", 5)}
    assert summary["alerts"] == 2


def test_township_threshold_and_withdrawal_come_from_the_county_rules(ctx):
    (ctx.home / "rules").mkdir()
    (ctx.home / "rules" / "500230.yaml").write_text(
        "alerts: {village_min_households: 3, township_min_households: 4}\n", encoding="utf-8")
    county = County(ctx)
    batch = county.batch("emergency")
    _flood(county, batch, "双河村", 2, 0)
    _flood(county, batch, "青龙村", 2, 100)
    screen_period(ctx, PERIOD)
    assert _alerts(ctx) == {("龙河镇", None, "disaster", 4)}
    (ctx.home / "rules" / "500230.yaml").write_text(
        "alerts: {village_min_households: 3, township_min_households: 5}\n", encoding="utf-8")
    screen_period(ctx, PERIOD)
    assert _alerts(ctx) == set()  # under the raised threshold the alert is withdrawn
