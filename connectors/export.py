"""The quarantine of a period as CSV: what was not loaded, where it was and why."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from shouwang.context import Context
from warehouse.models import FeedBatch, Quarantine

COLUMNS = ("department", "source_file", "source_row", "reason", "column", "detail")


def quarantine_of(ctx: Context, period: str) -> list[tuple]:
    """Quarantined rows of ``period`` from batches still in use (superseded ones left out)."""
    q = (select(Quarantine.department, Quarantine.source_file, Quarantine.source_row,
                Quarantine.reason, Quarantine.column, Quarantine.detail)
         .join(FeedBatch, FeedBatch.id == Quarantine.batch_id)
         .where(Quarantine.period == period, FeedBatch.status == "loaded")
         .order_by(Quarantine.department, Quarantine.source_file, Quarantine.source_row))
    with ctx.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def write_quarantine_csv(ctx: Context, period: str, out: Path) -> int:
    """Write the period's quarantine (IDs already masked) to ``out``; returns the row count."""
    rows = quarantine_of(ctx, period)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)
