"""Which months an Airflow run handles, and when a month's feeds are due."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from shouwang.context import Context
from shouwang.core import clock, periods


def check_param(period: object) -> str:
    """``period`` if it is YYYY-MM, else a ValueError that also says how to pass it to a DAG."""
    try:
        return periods.check_period(period)
    except ValueError as e:
        raise ValueError(f"{e}: pass period=YYYY-MM") from None


def previous_period(when: dt.datetime, timezone: str) -> str:
    """The month before ``when`` in the county's time zone (the backstop run's feeds)."""
    return periods.previous(periods.of_date(when.astimezone(ZoneInfo(timezone)).date()))


def run_time(context: dict) -> dt.datetime:
    """The moment a run stands for: its data-interval end, else its logical date, else now."""
    for key in ("data_interval_end", "logical_date"):
        value = context.get(key)
        if value is not None:
            return value
    run = context.get("dag_run")
    return getattr(run, "run_after", None) or dt.datetime.now(dt.timezone.utc)


def periods_from_events(triggering_asset_events: dict | None) -> list[str]:
    """The periods named in the `extra` of the asset events that triggered a run."""
    found = set()
    for events in (triggering_asset_events or {}).values():
        for event in events:
            period = (getattr(event, "extra", None) or {}).get("period")
            if periods.is_period(period):
                found.add(period)
    return sorted(found)


def run_periods(ctx: Context, context: dict) -> list[str]:
    """Which months an ingest run handles: the `period` parameter, else the periods its asset
    events name, else (the monthly backstop) the month before the run."""
    requested = (context.get("params") or {}).get("period")
    if requested:
        return [check_param(requested)]
    from_events = periods_from_events(context.get("triggering_asset_events"))
    if from_events:
        return from_events
    return [previous_period(run_time(context), clock.zone_name(ctx.settings))]


def feeds_due(ctx: Context, period: str, when: dt.datetime) -> bool:
    """True once ``when`` is on or after the day the period's feeds are due (settings feeds.due_day)."""
    return clock.feeds_due(check_param(period), when, ctx.settings)
