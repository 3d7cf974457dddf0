"""Working days on the official Chinese calendar (holidays and adjusted working weekends)."""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def _warn_outside_calendar(year: int) -> None:
    # Once per year: the package only knows the years the State Council has published.
    log.warning("official calendar for %s not known; counting Monday-Friday only", year)


def is_working_day(day: dt.date) -> bool:
    """True on an official working day, including an adjusted working Saturday or Sunday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_outside_calendar(day.year)
        return day.weekday() < 5


@lru_cache(maxsize=4096)  # every warning opened in one run shares a few (issue day, level) pairs
def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (the start day itself never counts)."""
    if days < 0:
        raise ValueError(f"working days must be 0 or more, not {days}")
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))
