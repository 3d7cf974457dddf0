"""Reporting periods (YYYY-MM): the one pattern, parser and month arithmetic every room uses."""
from __future__ import annotations

import argparse
import datetime as dt
import re

PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"  # also the JSON-schema pattern of Airflow's period param
_PERIOD = re.compile(PATTERN)


def is_period(value: object) -> bool:
    """True when ``value`` is a YYYY-MM string."""
    return isinstance(value, str) and bool(_PERIOD.match(value))


def check_period(value: object) -> str:
    """``value`` if it is YYYY-MM, else ValueError saying what to pass."""
    if not is_period(value):
        shown = value if isinstance(value, str) else repr(value)
        raise ValueError(f"period {shown!r} is not YYYY-MM, e.g. 2026-10")
    return value  # type: ignore[return-value]


def period_arg(text: str) -> str:
    """argparse type for ``--period``: a YYYY-MM month, else a one-line usage error."""
    try:
        return check_period(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def of_date(day: dt.date) -> str:
    """The period a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str) -> dt.date:
    """The first day of ``period``."""
    year, month = map(int, check_period(period).split("-"))
    return dt.date(year, month, 1)


def shift(period: str, months: int) -> str:
    """``period`` moved by ``months`` (negative: earlier)."""
    start = first_day(period)
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous(period: str) -> str:
    """The month before ``period``."""
    return shift(period, -1)
