"""The links export: one CSV line per loaded feed row of a period, linked or not.

household_id is the roster's 户编号 (what a department can join on), never the warehouse's
surrogate key."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from matching.linker import ACCEPTED, REJECTED
from matching.warehouse_frames import loaded_batch_ids
from shouwang.core.outputs import atomic_open, csv_writer
from warehouse.models import FeedRecord, Household, Link

COLUMNS = ("department", "source_file", "source_row", "household_id", "score", "status")
# Reviewers' outcomes shown in the three export states: accepted is linked, rejected is not.
EXPORT_STATUS = {ACCEPTED: "auto", REJECTED: "none"}


def export_links(ctx, period: str, out: Path) -> dict:
    """Write the period's links CSV; returns rows written and rows that have no link yet."""
    stmt = (
        select(FeedRecord.department, FeedRecord.source_file, FeedRecord.source_row,
               Household.household_no, Link.probability, Link.status)
        .outerjoin(Link, Link.record_id == FeedRecord.id)
        .outerjoin(Household, Household.id == Link.household_id)
        .where(FeedRecord.batch_id.in_(loaded_batch_ids(period)))
        .order_by(FeedRecord.department, FeedRecord.source_file, FeedRecord.source_row)
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = unlinked = 0
    with ctx.engine.connect() as conn, atomic_open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv_writer(f)  # source_file is a department's name for its file: neutralized
        writer.writerow(COLUMNS)
        for dept, source, row, household, prob, status in conn.execute(stmt):
            if status is None:
                unlinked += 1
            shown = EXPORT_STATUS.get(status, status or "none")
            writer.writerow([dept, source, row, (household or "") if shown != "none" else "",
                             "" if prob is None else f"{prob:.4f}", shown])
            written += 1
    return {"rows": written, "unlinked": unlinked, "path": str(out)}
