"""Next-day township lists (次日交办): the warnings a day brought, under ``<out>/daily/<date>/``.

A day's lines are the warnings its channel inputs opened or joined, those whose match a reviewer
settled that day, and those opened or renewed by department feeds that landed that day. They are
written by the monthly publisher's own township-list writer (same sheets, masked IDs, sources),
named by the date instead of the month, with the day's per-channel figures beside them.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from screening.channels.intake import day_bounds
from screening.publish.channel_figures import HEADERS as FIGURE_HEADERS
from screening.publish.channel_figures import table_rows
from screening.publish.listing import ListedWarning, listed_warnings, mark_published
from screening.publish.township_lists import write_township_lists
from screening.rules import RuleSet, load_rules
from screening.warning_store import ENDED
from shouwang.core.outputs import write_csv_file
from shouwang.core.periods import of_date
from warehouse.channel_tables import ChannelInput
from warehouse.models import RiskWarning

DAILY_FOLDER = "daily"


def day_folder(out_dir: Path, day: dt.date) -> Path:
    """``<out>/daily/<YYYY-MM-DD>/``."""
    return Path(out_dir) / DAILY_FOLDER / day.isoformat()


def summary_file_name(day: dt.date) -> str:
    """The day's per-channel summary beside its lists."""
    return f"日汇总_{day.isoformat()}.csv"


def day_warning_ids(session: Session, day: dt.date, settings: dict) -> set[int]:
    """Warnings the day brought: from its inputs (received, or settled by a reviewer, that day)
    and from the department feeds that landed that day, still being followed."""
    start, end = day_bounds(day, settings)
    from_inputs = set(session.scalars(select(ChannelInput.warning_id).where(
        ChannelInput.warning_id.is_not(None),
        or_((ChannelInput.received_at >= start) & (ChannelInput.received_at < end),
            (ChannelInput.merged_at >= start) & (ChannelInput.merged_at < end)))))
    from_feeds = set(session.scalars(select(RiskWarning.id).where(
        RiskWarning.batch_arrived_at >= start, RiskWarning.batch_arrived_at < end)))
    return from_inputs | from_feeds


def day_listed(ctx, session: Session, day: dt.date) -> tuple[list[ListedWarning], RuleSet]:
    """The day's warnings as list rows (open ones, most serious first), and the day's rules."""
    wanted = day_warning_ids(session, day, ctx.settings)
    rules = load_rules(ctx.settings, of_date(day), ctx.home)
    if not wanted:
        return [], rules
    periods = set(session.scalars(select(RiskWarning.last_period).where(
        RiskWarning.id.in_(wanted), RiskWarning.status.not_in(ENDED))))
    listed: dict[int, ListedWarning] = {}
    for period in sorted(periods):
        for item in listed_warnings(session, period, load_rules(ctx.settings, period, ctx.home)):
            if item.warning.id in wanted:
                listed.setdefault(item.warning.id, item)
    rows = list(listed.values())
    rows.sort(key=lambda x: (-rules.rank(x.warning.level), x.warning.township or "",
                             x.warning.village or "", x.household_no, x.warning.code))
    return rows, rules


def publish_day(ctx, session: Session, day: dt.date, out_dir: Path, figures: dict,
                now: dt.datetime) -> dict:
    """Write the day's township lists and per-channel summary; stamp published_at on lines
    reaching a township for the first time (or with news since they last did)."""
    listed, rules = day_listed(ctx, session, day)
    folder = day_folder(out_dir, day)
    # The steps' clocks count from the county day the township receives the list: the next day.
    fresh = mark_published(session, listed, now, day + dt.timedelta(days=1), ctx.settings)
    paths = write_township_lists(listed, rules, day.isoformat(), folder)
    write_csv_file(folder / summary_file_name(day), FIGURE_HEADERS, table_rows(figures))
    return {"folder": str(folder), "lists": len(paths), "lines": len(listed),
            "newly_published": fresh, "files": [p.name for p in paths]}
