"""The county's clock: its time zone, its calendar day, and when a month's feeds are late.

One key each (settings ``county.timezone`` and ``feeds.due_day``), read only here: the portal,
Airflow, the SLA escalation and screening's due dates all judge days on this clock.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from shouwang.core import periods


def zone_name(settings: dict) -> str:
    """The county's IANA time zone (settings ``county.timezone``), e.g. Asia/Shanghai."""
    return str(settings["county"]["timezone"])


def zone(settings: dict) -> ZoneInfo:
    """The county's time zone."""
    return ZoneInfo(zone_name(settings))


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime; SQLite hands back naive ones, which are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


def local_date(moment: dt.datetime, settings: dict) -> dt.date:
    """The county's calendar date of a moment (a naive moment is UTC)."""
    return as_utc(moment).astimezone(zone(settings)).date()


def local_time(moment: dt.datetime, settings: dict) -> str:
    """A moment as people in the county read it: ``2026-11-30 13:44`` on the county's clock."""
    return as_utc(moment).astimezone(zone(settings)).strftime("%Y-%m-%d %H:%M")


def today(settings: dict) -> dt.date:
    """Today's date in the county."""
    return dt.datetime.now(zone(settings)).date()


def feeds_due_date(period: str, settings: dict) -> dt.date:
    """The day a month's feeds are due: ``feeds.due_day`` of the next month."""
    next_month = periods.first_day(periods.shift(period, 1))
    return next_month.replace(day=int(settings["feeds"]["due_day"]))


def feeds_due(period: str, moment: dt.datetime, settings: dict) -> bool:
    """True once ``moment`` falls on or after the county day the period's feeds are due."""
    return local_date(moment, settings) >= feeds_due_date(period, settings)


def feed_late(period: str, arrived_at: dt.datetime | None, today: dt.date, settings: dict) -> bool:
    """A feed is late when it arrived on or after its due day, or is still missing then.

    Airflow records a missing feed as late from the due day on (``feeds_due``); the portal
    judges arrived and missing feeds by this same rule, so both say the same of every feed.
    """
    day = local_date(arrived_at, settings) if arrived_at is not None else today
    return day >= feeds_due_date(period, settings)
