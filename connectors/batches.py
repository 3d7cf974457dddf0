"""Batch bookkeeping: a feed's result and checksum, "loaded already?", and failed batches."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from connectors.corrections import HELD, LOADED, held_note
from connectors.errors import FeedError
from shouwang.context import Context
from warehouse.models import FeedBatch, PipelineEvent

log = logging.getLogger(__name__)
UNKNOWN = "unknown"  # department or period of a batch whose file name gives none


@dataclass
class IngestResult:
    """What happened to one feed; safe to log (counts and names only)."""

    batch_id: int | None
    department: str
    period: str
    status: str  # loaded | unchanged | held | failed
    source_file: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_merged: int = 0
    rows_totals: int = 0  # 合计 rows dropped (not data, not counted in rows_read)
    error: str | None = None
    superseded: list[int] = field(default_factory=list)
    note: str | None = None  # why a batch is held, and how to apply it

    def summary(self) -> dict:
        """The result as a plain dict (for logs, XCom and the CLI)."""
        return asdict(self)


def checksum_of(data: bytes) -> str:
    """sha256 of a feed's bytes."""
    return hashlib.sha256(data).hexdigest()


def already_loaded(ctx: Context, department: str, period: str,
                    checksum: str) -> IngestResult | None:
    """A quick look before reading the file; `load_sheet` looks again under the feed's lock."""
    with ctx.engine.connect() as conn:
        return same_batch(conn, department, period, checksum)


def same_batch(conn, department: str, period: str, checksum: str) -> IngestResult | None:
    """The loaded ("unchanged") or held batch with this checksum, else None."""
    b = conn.execute(
        select(FeedBatch.id, FeedBatch.source_file, FeedBatch.rows_read, FeedBatch.status,
               FeedBatch.rows_loaded, FeedBatch.rows_quarantined, FeedBatch.rows_merged)
        .where(FeedBatch.department == department, FeedBatch.period == period,
               FeedBatch.checksum == checksum, FeedBatch.status.in_((LOADED, HELD)))
        .order_by(FeedBatch.id.desc())).first()
    if b is None:
        return None
    note = None
    if b.status == HELD:
        note = held_note(conn, b.id, period)
    return IngestResult(b.id, department, period, "unchanged" if b.status == LOADED else HELD,
                        b.source_file, b.rows_read, b.rows_loaded, b.rows_quarantined,
                        b.rows_merged, note=note)


def docs_dir(ctx: Context, period: str) -> Path:
    """Where the Data Docs of a period's batches go."""
    return Path(ctx.home) / "data_docs" / period


def record_failure(ctx: Context, department: str, period: str, source_file: str, checksum: str,
                   error: FeedError, source_kind: str = "file") -> IngestResult:
    """Store a failed batch (and a pipeline event) whose error says what to fix."""
    message = str(error)
    log.warning("feed failed: %s", message)
    with ctx.engine.begin() as conn:
        # The same broken file landed again is the same failure: record it once.
        earlier = conn.execute(select(FeedBatch.id).where(
            FeedBatch.department == department[:32], FeedBatch.period == period[:7],
            FeedBatch.source_file == source_file[:255], FeedBatch.checksum == checksum,
            FeedBatch.status == "failed", FeedBatch.error == message)).scalar()
        if earlier is not None:
            return IngestResult(earlier, department, period, "failed", source_file, error=message)
        batch_id = conn.execute(insert(FeedBatch).values(
            department=department[:32], period=period[:7], source_file=source_file[:255],
            source_kind=source_kind, checksum=checksum, status="failed", error=message,
        ).returning(FeedBatch.id)).scalar_one()
        conn.execute(insert(PipelineEvent).values(kind="failure", department=department[:32],
                                                  period=period[:7],
                                                  detail=f"{error.reason}: {message}"))
    return IngestResult(batch_id, department, period, "failed", source_file, error=message)
