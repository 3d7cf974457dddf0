"""Loading a read feed: plan it, then write its batch, records and quarantine in one transaction."""
from __future__ import annotations

import logging

from sqlalchemy import insert

from connectors.batches import IngestResult, docs_dir, same_batch
from connectors.contract import Contract
from connectors.corrections import (HELD, LOADED, current_batch, held_note, should_hold,
                                    supersede_others)
from connectors.plan import FeedPlan, ingest_settings, plan_feed
from connectors.reader import Sheet
from connectors.regions import RegionIndex
from connectors.rows import RECORD_PURPOSE, quarantine_rows, record_rows
from shouwang.context import Context
from warehouse.db import bulk_insert, sqlite_page_cache
from warehouse.lock import lock_feed
from warehouse.models import FeedBatch, FeedRecord, Quarantine, utcnow

log = logging.getLogger(__name__)


def load_sheet(ctx: Context, contract: Contract, period: str, sheet: Sheet, source_file: str,
               source_kind: str, checksum: str) -> IngestResult:
    """Plan the feed, then write batch, records and quarantine in one transaction."""
    vault = ctx.vault()
    cfg = ingest_settings(ctx.settings)
    regions = RegionIndex.from_db(ctx.engine, cfg.get("region_suffixes", {}))
    plan = plan_feed(sheet, contract, ctx.settings, regions,
                     hasher=lambda text: vault.blind(RECORD_PURPOSE, text),
                     docs_dir=docs_dir(ctx, period))
    for note in plan.notes:  # e.g. sheets of a workbook not read: the operator must see it
        log.warning("%s: %s", source_file, note)
    with ctx.engine.begin() as conn:
        # The "same file?" check and the load in one transaction, one loader per feed at a time.
        lock_feed(conn, contract.department, period)
        done = same_batch(conn, contract.department, period, checksum)
        if done is not None:
            return done
        hold = should_hold(ctx.settings, plan.rows_read,
                           current_batch(conn, contract.department, period))
        with sqlite_page_cache(conn, int(cfg.get("sqlite_cache_mb", 0))):
            batch_id = _write_batch(conn, contract, period, sheet, plan, vault, cfg, source_file,
                                    source_kind, checksum, HELD if hold else LOADED)
        older = [] if hold else supersede_others(conn, contract.department, period, batch_id)
    result = IngestResult(batch_id, contract.department, period, HELD if hold else LOADED,
                          source_file, plan.rows_read, len(plan.load), len(plan.quarantine),
                          len(plan.merged), plan.located.totals_dropped, superseded=list(older))
    if hold:
        with ctx.engine.connect() as conn:
            result.note = held_note(conn, batch_id, period)
        log.warning("%s", result.note)
    return result


def _write_batch(conn, contract: Contract, period: str, sheet: Sheet, plan: FeedPlan, vault,
                 cfg: dict, source_file: str, source_kind: str, checksum: str,
                 status: str) -> int:
    """Insert the batch row, its records and its quarantine; the batch id."""
    batch_id = conn.execute(insert(FeedBatch).values(
        department=contract.department, period=period, source_file=source_file,
        source_kind=source_kind, checksum=checksum, encoding=sheet.encoding,
        header_row=plan.located.header_row, status=status, rows_read=plan.rows_read,
        rows_loaded=len(plan.load), rows_quarantined=len(plan.quarantine),
        rows_merged=len(plan.merged), loaded_at=utcnow(), docs_path=plan.docs_path,
    ).returning(FeedBatch.id)).scalar_one()
    base = {"batch_id": batch_id, "department": contract.department, "period": period,
            "source_file": source_file}
    stored = 0
    # In chunks: a whole feed's row dicts (and the driver's copies) need not be alive at once.
    for records in record_rows(plan, vault, base, int(cfg.get("write_chunk_rows", 20000))):
        bulk_insert(conn, FeedRecord.__table__, records)
        stored += len(records)
    bad = quarantine_rows(plan, base)
    bulk_insert(conn, Quarantine.__table__, bad)
    stored += len(bad) + len(plan.merged)
    assert stored == plan.rows_read, f"{source_file}: {plan.rows_read} read, {stored} stored"
    return batch_id
