"""Publish one period: township lists and the county digest under ``out_dir/<period>/``."""
from __future__ import annotations

import logging
from pathlib import Path

from screening.backlog import backlog
from screening.deadlines import local_date
from screening.publish.digest import render_html, write_xlsx
from screening.publish.figures import digest_figures
from screening.publish.listing import listed_warnings, mark_published
from screening.publish.township_lists import write_township_lists
from screening.rules import load_rules
from shouwang.context import Context
from shouwang.core.outputs import atomic_write_text
from warehouse.db import session_scope
from warehouse.models import PipelineEvent, utcnow

log = logging.getLogger(__name__)


def digest_file_names(period: str) -> tuple[str, str]:
    """File names of the county digest page and workbook."""
    return f"县级预警汇总_{period}.html", f"县级预警汇总_{period}.xlsx"


def publish_period(ctx: Context, period: str, out_dir: Path) -> Path:
    """Write the period's lists and digest; stamp published_at on newly published warnings."""
    rules = load_rules(ctx.settings, period, ctx.home)
    now = utcnow()
    folder = Path(out_dir) / period
    today = local_date(now, ctx.settings)
    with session_scope(ctx.engine) as session:
        listed = listed_warnings(session, period, rules)
        # The steps' clocks count from the county day the township first received the list.
        fresh = mark_published(session, listed, now, today, ctx.settings)
        session.flush()
        figures = digest_figures(session, period, rules, ctx.settings, today, ctx.home)
        lists = write_township_lists(listed, rules, period, folder, figures["alerts"],
                                     backlog(session, period, today, ctx.settings))
        html_name, xlsx_name = digest_file_names(period)
        atomic_write_text(folder / html_name, render_html(figures))
        write_xlsx(figures, folder / xlsx_name)
        if fresh:
            session.add(PipelineEvent(kind="published", period=period,
                                      detail=f"{fresh} warnings newly published in {len(lists)} township lists"))
    log.info("published %s: %d warnings, %d township lists", period, len(listed), len(lists))
    if figures["calendar_gaps"]:  # in the run's output too, not only on the digest's page
        from screening.calendar import gap_warning

        log.warning("%s", gap_warning(figures["calendar_gaps"]))
    return folder
