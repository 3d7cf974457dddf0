"""The portal's feed page and Airflow agree on which feeds are late (one due day, one time zone)."""
import datetime as dt

from portal.feeds import feed_status
from portal.principal import Principal
from shouwang.core import clock
from shouwang.orchestration.events import report_missing
from shouwang.orchestration.schedule import feeds_due
from tests.support.warehouse import building
from warehouse.db import session_scope

PERIOD = "2026-10"
DEPARTMENTS = {"health": "卫健", "water": "水利", "hr": "人社"}
ENGINEER = Principal(user_id=1, name="engineer", role="engineer")


def _local(ctx, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of November 2026 on the county's clock, as UTC (what the warehouse stores)."""
    moment = dt.datetime(2026, 11, day, hour, minute, tzinfo=clock.zone(ctx.settings))
    return moment.astimezone(dt.timezone.utc)


def _portal_late(ctx, now: dt.datetime) -> dict[str, bool]:
    with session_scope(ctx.engine) as s:
        rows = feed_status(s, ENGINEER, PERIOD, DEPARTMENTS, ctx.settings,
                           clock.local_date(now, ctx.settings))
    return {r.department: r.late for r in rows}


def test_portal_and_airflow_agree_on_late_feeds(ctx):
    due = ctx.settings["feeds"]["due_day"]
    before_due, on_due = _local(ctx, due - 1, 23, 30), _local(ctx, due, 0, 30)
    with building(ctx, seal=False) as b:
        b.batch("health", PERIOD, arrived_at=before_due)  # the evening before: on time
        b.batch("water", PERIOD, arrived_at=on_due)  # half past midnight on the due day: late

    # Airflow calls an arrival late when the feeds were due by then; the portal must agree.
    portal = _portal_late(ctx, before_due)
    assert portal == {"health": False, "water": feeds_due(ctx, PERIOD, on_due), "hr": False}
    assert portal["water"] is True and not feeds_due(ctx, PERIOD, before_due)

    # On the due day Airflow records the missing department late; the portal already says so.
    assert _portal_late(ctx, on_due)["hr"] is True
    assert feeds_due(ctx, PERIOD, on_due)
    missing = report_missing(ctx, PERIOD, ["health", "water"], at=on_due)
    assert "hr" in missing and "health" not in missing and "water" not in missing
    assert _portal_late(ctx, on_due) == {"health": False, "water": True, "hr": True}


def test_due_day_and_time_zone_are_one_key_each(ctx):
    s = ctx.settings
    assert clock.feeds_due_date(PERIOD, s) == dt.date(2026, 11, s["feeds"]["due_day"])
    assert clock.feeds_due_date("2026-12", s) == dt.date(2027, 1, s["feeds"]["due_day"])
    assert "feed_due_day" not in s["portal"] and "feeds_due_day" not in s["airflow"]
    assert [k for k in ("screening", "portal", "airflow") if "timezone" in s[k]] == []
    assert clock.zone_name(s) == s["county"]["timezone"]
