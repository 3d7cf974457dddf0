"""Due dates of warnings: working days by level (settings `sla:`) from the local issue date."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from screening.calendar import add_working_days


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime; SQLite hands back naive ones, which are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


def local_date(moment: dt.datetime, settings: dict) -> dt.date:
    """The county's calendar date of a moment (settings `screening.timezone`)."""
    return as_utc(moment).astimezone(ZoneInfo(settings["screening"]["timezone"])).date()


def due_date(level: str, issued_at: dt.datetime, settings: dict) -> dt.date:
    """The date a warning of ``level`` issued at ``issued_at`` must be verified by."""
    sla = settings["sla"]
    if level not in sla:
        raise KeyError(f"settings `sla:` has no working-day limit for level {level!r}; add one")
    return add_working_days(local_date(issued_at, settings), int(sla[level]))
