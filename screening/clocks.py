"""Step clocks as county policy: the rules YAML's `clocks:` start and stop on a warning's events.

A clock is ``{working_days: N | months: N, starts_on: [events], stops_on: [events],
escalate: [township, county], label, seed}`` in screening/rules/default.yaml, overlaid per
county and year like the rules (screening.rules.loader.rule_files). ``on_event`` is called by
whoever records an event (publishing, the portal's outcome and identification steps, department
routing); the SLA run (screening.deadlines) escalates the running clocks that are past due.
"""
from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from screening.calendar import add_working_days, is_working_day
from screening.rules.loader import merged_section, rule_stamp
from screening.rules.model import RuleError
from warehouse.notification_tables import WarningClock

OUTCOMES = ("verifying", "pending_closure", "identifying", "adjusting", "unreachable")
# Every event a clock may start or stop on; a name outside this list in the YAML is refused
# (a typo would otherwise be a clock that never stops).
EVENTS = (
    ("published",)
    + tuple(f"outcome:{o}" for o in OUTCOMES)
    + ("closure_confirmed", "closure_returned",
       "pledge", "review", "review:reject", "notice", "confirm", "entered",
       "routed", "department_replied")
    # The help loop (issue 18, screening.help_case): contact cadre, plan, measures, monthly
    # visits, risk eliminated, and the 动态清零 clock of the problem's class.
    + ("contact", "plan_approved", "measure", "visit", "eliminated",
       "clear:ordinary", "clear:difficult", "clear:special")
)
# Escalation order: a department that owes a reply, the township's users, then the county.
AUDIENCES = ("department", "township", "county")
DEFAULT_ESCALATE = ("township", "county")


@dataclass(frozen=True)
class ClockRule:
    """One clock of the county's policy."""

    name: str
    label: str
    working_days: int | None
    months: int | None
    starts_on: tuple[str, ...]
    stops_on: tuple[str, ...]
    escalate: tuple[str, ...]
    seed: str

    def due(self, start: dt.date) -> dt.date:
        """The day this clock falls due when it starts on ``start`` (the start day never counts)."""
        if self.working_days is not None:
            return add_working_days(start, self.working_days)
        return _roll_to_working_day(add_months(start, int(self.months or 0)))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    # "within a month" from 31 January is the last day of February, not 3 March.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, month_calendar.monthrange(year, month)[1]))


def _roll_to_working_day(day: dt.date) -> dt.date:
    # A month's deadline on a holiday moves to the next working day, as office deadlines do.
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _events(value, where: str, name: str, key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value or [])
    unknown = [e for e in items if e not in EVENTS]
    if unknown:
        raise RuleError(f"{where}: clock {name!r} {key} has unknown event(s) {unknown}; "
                        f"use some of {list(EVENTS)}")
    return tuple(items)


def build_clock(name: str, spec: dict, where: str) -> ClockRule:
    """One checked clock from its YAML mapping (RuleError naming the file and clock if wrong)."""
    if not isinstance(spec, dict):
        raise RuleError(f"{where}: clock {name!r} must be a mapping")
    wd, months = spec.get("working_days"), spec.get("months")
    if (wd is None) == (months is None):
        raise RuleError(f"{where}: clock {name!r} needs exactly one of working_days or months")
    for key, value in (("working_days", wd), ("months", months)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
            raise RuleError(f"{where}: clock {name!r} {key} must be a whole number ≥ 0, "
                            f"not {value!r}")
    escalate = tuple(spec.get("escalate", DEFAULT_ESCALATE) or ())
    if any(a not in AUDIENCES for a in escalate) or list(escalate) != sorted(
            escalate, key=AUDIENCES.index):
        raise RuleError(f"{where}: clock {name!r} escalate must list some of {list(AUDIENCES)} "
                        "in that order")
    starts = _events(spec.get("starts_on"), where, name, "starts_on")
    if not starts:
        raise RuleError(f"{where}: clock {name!r} has no starts_on events")
    return ClockRule(name=name, label=str(spec.get("label", name)), working_days=wd,
                     months=months, starts_on=starts,
                     stops_on=_events(spec.get("stops_on"), where, name, "stops_on"),
                     escalate=escalate, seed=str(spec.get("seed", "")))


@lru_cache(maxsize=64)
def _policy(stamp: tuple) -> dict[str, ClockRule]:
    clocks, where = merged_section(stamp, "clocks")
    # An overlay switches a clock off with `name: null` or `enabled: false`.
    return {key: build_clock(key, spec, where) for key, spec in clocks.items()
            if spec is not None and spec.get("enabled", True) is not False}


def policy(settings: dict, year: int, home: Path | None = None) -> dict[str, ClockRule]:
    """The county's clocks for ``year`` (the default set laid under the county's overlays)."""
    return _policy(rule_stamp(settings, year, home))


def on_event(session: Session, warning_id: int, event: str, day: dt.date,
             settings: dict) -> None:
    """Stop the warning's clocks that ``event`` stops, then start those it starts, from ``day``.

    ``day`` is the county-local day the event happened. Idempotent per (warning, clock): a
    running clock is not started twice, and the same event on the same day changes nothing.
    """
    on_events(session, [warning_id], event, day, settings)


def on_events(session: Session, warning_ids: list[int], event: str, day: dt.date,
              settings: dict) -> None:
    """``on_event`` for many warnings at once (publishing a list): one query per chunk."""
    from warehouse.db import in_chunks

    if event not in EVENTS:
        raise ValueError(f"unknown clock event {event!r}; one of {EVENTS}")
    rules = policy(settings, day.year)
    starting = [r for r in rules.values() if event in r.starts_on]
    by_year: dict[int, dict[str, ClockRule]] = {day.year: rules}
    for part in in_chunks(sorted(set(warning_ids))):
        rows: dict[int, list[WarningClock]] = {wid: [] for wid in part}
        for row in session.scalars(select(WarningClock).where(WarningClock.warning_id.in_(part))):
            rows[row.warning_id].append(row)
        new: list[dict] = []
        for warning_id, mine in rows.items():
            new += _apply(warning_id, mine, event, day, settings, by_year, starting)
        if new:  # one executemany: publishing a county's list starts tens of thousands
            session.execute(insert(WarningClock), new)
    session.flush()


def _apply(warning_id: int, mine: list[WarningClock], event: str, day: dt.date, settings: dict,
           by_year: dict[int, dict[str, ClockRule]], starting: list[ClockRule]) -> list[dict]:
    """Stop and restart ``mine`` (one warning's runs) in place; return the runs to insert."""
    stopped_now: set[str] = set()
    for row in mine:
        # A run stops by the policy of the year it started in (a December start, a January stop).
        year = row.started_on.year
        if year not in by_year:
            by_year[year] = policy(settings, year)
        rule = by_year[year].get(row.clock) or by_year[day.year].get(row.clock)
        if row.stopped_on is None and rule is not None and event in rule.stops_on:
            row.stopped_on = max(day, row.started_on)  # a paper date before the start is the start
            stopped_now.add(row.clock)
    new = []
    for rule in starting:
        runs = [r for r in mine if r.clock == rule.name]
        if any(r.stopped_on is None for r in runs):
            continue  # already running
        same_day = next((r for r in runs if r.started_on == day), None)
        if same_day is not None:
            # Stopped and started again the same day (a second 无法联系 attempt): run again.
            if rule.name in stopped_now:
                same_day.stopped_on = None
            continue
        new.append({"warning_id": warning_id, "clock": rule.name, "started_on": day,
                    "due_on": rule.due(day)})
    return new


def clocks_of(session: Session, warning_id: int) -> list[WarningClock]:
    """The warning's clock runs, oldest first (for its page and history)."""
    return list(session.scalars(select(WarningClock).where(WarningClock.warning_id == warning_id)
                                .order_by(WarningClock.started_on, WarningClock.id)))


def running(session: Session, warning_ids: list[int] | None = None) -> list[WarningClock]:
    """Clocks not yet stopped (of ``warning_ids`` if given), earliest due first."""
    query = select(WarningClock).where(WarningClock.stopped_on.is_(None))
    if warning_ids is not None:
        query = query.where(WarningClock.warning_id.in_(warning_ids))
    return list(session.scalars(query.order_by(WarningClock.due_on, WarningClock.id)))
