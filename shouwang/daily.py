"""The daily merge, wired: `shouwang daily` and the `daily_summary` DAG call ``run_day``.

One exclusive hold of the warehouse lock and one transaction: the day's inputs are merged
(screening.channels.merge), the next-day township lists and the per-channel summary written under
``<out>/daily/<date>/``, and a ``pipeline_events`` row of kind "daily" records the counts. Running a
day again merges only what arrived since (nothing, usually) and rewrites the same lists.
Returns counts, a folder and file names only: safe for logs and XCom.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from shouwang.context import Context
from shouwang.core.periods import of_date
from warehouse.lock import warehouse_lock

log = logging.getLogger(__name__)
EVENT_KIND = "daily"


def run_day(ctx: Context, day: dt.date, out_dir: Path) -> dict:
    """Merge ``day``'s channel inputs and publish its next-day lists under ``out_dir/daily/<day>/``."""
    from screening.channels.grading import channel_labels
    from screening.channels.lists import publish_day
    from screening.channels.merge import merge_day
    from screening.publish.channel_figures import day_channel_figures
    from screening.rules import load_rules
    from warehouse.db import session_scope
    from warehouse.models import PipelineEvent, utcnow

    period = of_date(day)
    with warehouse_lock(ctx):
        ctx.vault()  # a wrong key or an unfinished rotation refuses before anything is written
        now = utcnow()
        with session_scope(ctx.engine) as session:
            merged = merge_day(ctx, session, day, now)
            session.flush()
            labels = channel_labels(ctx.settings, period, ctx.home,
                                    load_rules(ctx.settings, period, ctx.home))
            figures = day_channel_figures(session, day, ctx.settings, labels)
            published = publish_day(ctx, session, day, Path(out_dir), figures, now)
            by_channel = {r["channel"]: {k: r[k] for k in ("received", "matched", "leads",
                                                           "duplicates", "warnings", "pending")}
                          for r in figures["rows"] if r["received"]}
            session.add(PipelineEvent(kind=EVENT_KIND, period=period, detail=_detail(day, figures)))
    summary = {"date": day.isoformat(), "period": period, "merged": dict(merged),
               "channels": by_channel, **published}
    log.info("daily %s", summary)
    return summary


def _detail(day: dt.date, figures: dict) -> str:
    """The event's one line: the day and each channel's counts (no personal data)."""
    t = figures["total"]
    parts = [f"{r['channel']} {r['received']}/{r['matched']}/{r['leads']}/{r['duplicates']}/{r['warnings']}"
             for r in figures["rows"] if r["received"]]
    return (f"{day.isoformat()}: received {t['received']}, matched {t['matched']}, leads {t['leads']}, "
            f"duplicates {t['duplicates']}, warnings {t['warnings']}, pending {t['pending']}"
            + (f" ({'; '.join(parts)})" if parts else ""))
