"""The county digest's per-channel table: what the daily merges made of the month's inputs.

Counted from ``channel_inputs`` as the merge left them, so the table is the same however often
a day was merged. Per channel: received; matched to a roster household; 应纳未纳 leads (not on
the roster); duplicates (added as evidence to an open warning, no new line); warnings (new lines
on a township list, households and leads); and pending (not merged yet, or waiting for a
reviewer to settle the match).
"""
from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.channels.intake import day_bounds
from screening.publish.xlsx_format import write_table
from shouwang.core.outputs import add_sheet
from warehouse.channel_tables import CHANNELS, ChannelInput

HEADERS = ["渠道", "收到", "匹配到户", "应纳未纳线索", "并入已有预警", "新增预警", "待匹配核对"]
KEYS = ["received", "matched", "leads", "duplicates", "warnings", "pending"]
NEW_LINE = ("warning", "lead")


def channel_figures(session: Session, period: str, labels: dict[str, str]) -> dict:
    """The per-channel table of the inputs of ``period`` (``labels``: channel → words, from
    screening.channels.grading.channel_labels)."""
    return _figures(session, ChannelInput.period == period, labels)


def day_channel_figures(session: Session, day: dt.date, settings: dict, labels: dict[str, str]) -> dict:
    """The per-channel table of the inputs received on the county day ``day``."""
    start, end = day_bounds(day, settings)
    return _figures(session, (ChannelInput.received_at >= start) & (ChannelInput.received_at < end),
                    labels)


def _figures(session: Session, where, labels: dict[str, str]) -> dict:
    counts = {c: dict.fromkeys(KEYS, 0) for c in (*CHANNELS, *labels)}
    for channel, result, household_id in session.execute(
            select(ChannelInput.channel, ChannelInput.merge_result, ChannelInput.household_id)
            .where(where)):
        row = counts.setdefault(channel, dict.fromkeys(KEYS, 0))
        row["received"] += 1
        if result is None or result == "unmatched":
            row["pending"] += 1
            continue
        row["matched"] += household_id is not None
        row["leads"] += household_id is None
        row["duplicates"] += result == "duplicate"
        row["warnings"] += result in NEW_LINE
    rows = [{"channel": c, "label": labels.get(c, c), **v} for c, v in counts.items()
            if v["received"] or c in labels]
    total = {k: sum(r[k] for r in rows) for k in KEYS}
    return {"headers": HEADERS, "rows": rows, "total": {"channel": "", "label": "合计", **total}}


def table_rows(figures: dict) -> list[list]:
    """The table as rows of cells (label first, then the counts), the total last."""
    return [[r["label"], *(r[k] for k in KEYS)] for r in (*figures["rows"], figures["total"])]


def write_channel_sheet(wb: Workbook, figures: dict, title: str) -> None:
    """The per-channel table as a sheet 各渠道汇总 of the digest workbook."""
    write_table(add_sheet(wb, "各渠道汇总"), HEADERS, table_rows(figures), [16, 8, 10, 12, 12, 10, 10],
                title)
