"""Load department feeds into the warehouse: one file (or pull) → one feed batch.

Same checksum already loaded → "unchanged", nothing written. A corrected file for the same
department and period supersedes the old batch. Feed-level problems stop that feed only: a
"failed" batch whose error names the file, the column and the fix.

This module holds the entry points only; the work is done by ``naming`` (what a file name
says), ``batches`` (results, checksums, already-loaded and failed batches), ``loader`` (plan and
write one feed) and ``rows`` (feed_records and quarantine rows).
"""
from __future__ import annotations

from pathlib import Path

from connectors import catalog
from connectors.batches import (UNKNOWN, IngestResult, already_loaded, checksum_of, docs_dir,
                                record_failure)
from connectors.errors import FeedError
from connectors.failures import feed_error
from connectors.loader import load_sheet
from connectors.naming import department_of, resolve_period
from connectors.reader import Sheet, read_sheet
from connectors.rows import RECORD_PURPOSE, plain_column, plain_value, quarantine_rows
from shouwang.context import Context

# Re-exported: callers (the roster loader, the Airflow glue, tests) import these from here.
__all__ = [
    "RECORD_PURPOSE", "UNKNOWN", "IngestResult", "checksum_of", "department_of", "docs_dir",
    "ingest_file", "ingest_landed", "ingest_landing", "ingest_sheet", "ingest_source",
    "load_sheet", "plain_column", "plain_value", "quarantine_rows", "record_failure",
    "resolve_period",
]


def ingest_file(ctx: Context, path: Path, period: str | None = None) -> IngestResult:
    """Load one landed file as one batch (see the module docstring for the rules)."""
    return _ingest_path(ctx, Path(path), period, name_needs_period=False)


def _ingest_path(ctx: Context, path: Path, period: str | None,
                 name_needs_period: bool) -> IngestResult:
    dept_name, file_period = catalog.parse_file_name(path.stem)
    checksum = checksum_of(path.read_bytes()) if path.exists() else ""
    department = dept_name or UNKNOWN
    batch_period = file_period or period or UNKNOWN
    try:
        contract = department_of(dept_name, path.name)
        department = contract.department
        if name_needs_period and not file_period:
            # In a landing folder a name without its period may be last month's file.
            resolve_period(None, None, path.name)
        batch_period = resolve_period(file_period, period, path.name)
        done = already_loaded(ctx, department, batch_period, checksum)
        if done is not None:
            return done
        return load_sheet(ctx, contract, batch_period, read_sheet(path), path.name, "file",
                          checksum)
    except Exception as e:  # noqa: BLE001 - a bug met in one feed fails that feed only
        return record_failure(ctx, department, batch_period, path.name, checksum,
                              feed_error(path.name, e))


def ingest_landing(ctx: Context, period: str, landing_dir: Path) -> list[IngestResult]:
    """Load every department file of ``period`` in ``landing_dir`` (oldest first)."""
    from connectors.sources import LandingSource

    return [_ingest_feed(ctx, feed, period)
            for feed in LandingSource(Path(landing_dir)).feeds(period)]


def ingest_landed(ctx: Context, path: Path, period: str) -> IngestResult:
    """Load one file of a landing folder (an Airflow mapped task): an error, loading nothing,
    when another file of its department and month is there too."""
    from connectors.sources import LandingSource

    path = Path(path)
    return _ingest_feed(ctx, LandingSource(path.parent).feed_of(path, period), period)


def _ingest_feed(ctx: Context, feed, period: str) -> IngestResult:
    if not feed.conflict:
        return _ingest_path(ctx, feed.paths[0], period, name_needs_period=True)
    names = [p.name for p in feed.paths]
    listed = " and ".join([", ".join(names[:-1]), names[-1]])
    count = "两个文件" if len(names) == 2 else f"{len(names)} 个文件"
    label = catalog.contract_for(feed.department).label
    error = FeedError(f"{feed.department} ({label}) {feed.period}: {count}: {listed}; keep one "
                      "in the landing folder (move the other away) and run again; none was loaded",
                      "duplicate_feed")
    together = checksum_of("\n".join(checksum_of(p.read_bytes()) for p in feed.paths).encode())
    return record_failure(ctx, feed.department, feed.period, " + ".join(names), together,
                          error)


def ingest_source(ctx: Context, source, period: str) -> IngestResult:
    """Pull ``period`` from a SqlSource or HttpJsonSource and load it as one batch."""
    try:
        sheet = source.fetch(period)
    except Exception as e:  # noqa: BLE001 - a bug met in one feed fails that feed only
        return record_failure(ctx, source.department, period, source.label, "",
                              feed_error(source.label, e), source.kind)
    return ingest_sheet(ctx, source.department, period, sheet, source.kind)


def ingest_sheet(ctx: Context, department: str, period: str, sheet: Sheet,
                 source_kind: str) -> IngestResult:
    """Load rows pulled from a database or an API (see connectors.sources)."""
    checksum = checksum_of("\x1e".join("\x1f".join(r) for r in sheet.rows).encode())
    try:
        if len(sheet.rows) <= 1:
            raise FeedError(f"{sheet.source}: returned no rows for {period}; check the query or "
                            "ask the department whether the period is published", "empty_file")
        contract = department_of(department, sheet.source)
        done = already_loaded(ctx, contract.department, period, checksum)
        if done is not None:
            return done
        return load_sheet(ctx, contract, period, sheet, sheet.source, source_kind, checksum)
    except Exception as e:  # noqa: BLE001 - a bug met in one feed fails that feed only
        return record_failure(ctx, department, period, sheet.source, checksum,
                              feed_error(sheet.source, e), source_kind)
