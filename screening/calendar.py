"""Working days on the official Chinese calendar (holidays and adjusted working weekends).

The calendar is data, one file a year: screening/calendar_data/<year>.yaml (shipped; from the
State Council's notice each November/December, taken from chinesecalendar where it has the year)
and $SHOUWANG_HOME/calendar/<year>.yaml (a county adds next year's as soon as the notice is out,
before a release ships it). A year with no file counts Monday to Friday, and that is never
silent: ``uncovered`` names the years, the SLA run prints them, the digest and the portal show
``gap_warning``; ``shouwang calendar check --year Y`` fails until the year is added.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from shouwang import config
from shouwang.core.yaml_files import read_mapping

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "calendar_data"


@dataclass(frozen=True)
class YearTable:
    """One year's official days off and adjusted working days, and the file they came from."""

    year: int
    holidays: dict = field(default_factory=dict)  # date -> name
    workdays: dict = field(default_factory=dict)  # date -> name (调休上班)
    path: str = ""


class CalendarError(ValueError):
    """A calendar file that cannot be read (names the file and what to fix)."""


def _county_dir() -> Path:
    return _county_dir_of(os.environ.get(config.ENV_HOME))


@lru_cache(maxsize=8)
def _county_dir_of(home: str | None) -> Path:
    return config.home({config.ENV_HOME: home} if home else {}) / "calendar"


def _mtime(folder: Path) -> int:
    try:
        return folder.stat().st_mtime_ns
    except OSError:
        return 0


def _files() -> tuple[tuple[str, int], ...]:
    """The year files as (path, mtime) pairs; listed again only when a folder changes (a file
    added or replaced), so counting working days for 100k warnings costs two stat calls each."""
    county = _county_dir()
    return _listing(str(county), _mtime(county), _mtime(DATA_DIR))


@lru_cache(maxsize=8)
def _listing(county: str, _county_mtime: int, _data_mtime: int) -> tuple[tuple[str, int], ...]:
    # The county's folder last: its file for a year wins over the shipped one.
    found: dict[int, Path] = {}
    for folder in (DATA_DIR, Path(county)):
        if folder.is_dir():
            for path in folder.glob("[0-9][0-9][0-9][0-9].yaml"):
                found[int(path.stem)] = path
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in found.values()))


def _dates(node, path: Path, key: str, year: int) -> dict:
    if node in (None, {}):
        return {}
    if not isinstance(node, dict):
        raise CalendarError(f"{path}: `{key}` must map dates (YYYY-MM-DD) to names")
    out = {}
    for day, name in node.items():
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime) or day.year != year:
            raise CalendarError(f"{path}: `{key}` entry {day!r} is not a date of {year}; "
                                "write it as YYYY-MM-DD")
        out[day] = str(name)
    return out


def _read(path: Path) -> YearTable:
    data = read_mapping(path, CalendarError)
    year = int(path.stem)
    if data.get("year") != year:
        raise CalendarError(f"{path}: `year: {data.get('year')}` does not match the file name")
    holidays = _dates(data.get("holidays"), path, "holidays", year)
    workdays = _dates(data.get("workdays"), path, "workdays", year)
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarError(f"{path}: {both[0]} is both a holiday and a working day")
    return YearTable(year, holidays, workdays, str(path))


@lru_cache(maxsize=4)
def _tables(stamp: tuple) -> dict[int, YearTable]:
    return {t.year: t for t in (_read(Path(p)) for p, _ in stamp)}


def tables() -> dict[int, YearTable]:
    """Every year the calendar has, by year (reread when a file changes)."""
    return _tables(_files())


def covered(year: int) -> bool:
    """True when the official holidays of ``year`` are known."""
    return year in tables()


def uncovered(days: Iterable[dt.date | None]) -> list[int]:
    """The years among ``days`` (and every year between two of them) with no official table."""
    years = {d.year for d in days if d is not None}
    if not years:
        return []
    have = tables()
    return [y for y in range(min(years), max(years) + 1) if y not in have]


def gap_warning(years: Iterable[int]) -> str:
    """The loud line for people when a deadline falls in a year the calendar does not know."""
    years = sorted(set(years))
    if not years:
        return ""
    named = "、".join(str(y) for y in years)
    return (f"注意：{named} 年的法定节假日和调休安排尚未录入，这些年份的期限暂按周一至周五计算，"
            f"可能有误。请按国务院办公厅节假日安排通知补录 $SHOUWANG_HOME/calendar/<年份>.yaml，"
            f"再运行 shouwang calendar check --year {years[0]}。")


@lru_cache(maxsize=32)
def _warn_outside_calendar(year: int) -> None:
    # Once per year and process in the log; people see gap_warning in the run, digest and portal.
    log.warning("official calendar for %s not known; counting Monday-Friday only "
                "(add %s/%s.yaml)", year, _county_dir(), year)


def _is_working_day(day: dt.date, stamp: tuple) -> bool:
    table = _tables(stamp).get(day.year)
    if table is None:
        _warn_outside_calendar(day.year)
        return day.weekday() < 5
    if day in table.workdays:
        return True
    return day.weekday() < 5 and day not in table.holidays


def is_working_day(day: dt.date) -> bool:
    """True on an official working day, including an adjusted working Saturday or Sunday."""
    return _is_working_day(day, _files())


@lru_cache(maxsize=4096)  # every warning opened in one run shares a few (issue day, level) pairs
def _add_working_days(start: dt.date, days: int, stamp: tuple) -> dt.date:
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if _is_working_day(day, stamp):
            counted += 1
    return day


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (the start day itself never counts)."""
    if days < 0:
        raise ValueError(f"working days must be 0 or more, not {days}")
    return _add_working_days(start, days, _files())


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    stamp = _files()
    return sum(_is_working_day(start + dt.timedelta(days=i), stamp)
               for i in range(1, (end - start).days + 1))


def describe(year: int) -> tuple[bool, str]:
    """Whether ``year`` is covered, and one line saying so (for `shouwang calendar check`)."""
    table = tables().get(year)
    if table is None:
        return False, (f"{year} 年未录入：没有 {DATA_DIR}/{year}.yaml 或 {_county_dir()}/{year}.yaml。"
                       + gap_warning([year]))
    return True, (f"{year} 年已录入：{len(table.holidays)} 个法定节假日，"
                  f"{len(table.workdays)} 个调休上班日（{table.path}）。")
