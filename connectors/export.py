"""The quarantine of a period as CSV: what was not loaded, where it was and why."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from shouwang.context import Context
from shouwang.core.outputs import write_csv_file
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
    # detail and source_file hold what a department typed: neutralized like every export.
    return write_csv_file(Path(out), COLUMNS, quarantine_of(ctx, period))
