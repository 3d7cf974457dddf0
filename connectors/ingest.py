"""Load department feeds into the warehouse: one file (or pull) → one feed batch.

Same checksum already loaded → "unchanged", nothing written. A corrected file for the same
department and period supersedes the old batch. Feed-level problems stop that feed only: a
"failed" batch whose error names the file, the column and the fix.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from sqlalchemy import insert, select

from connectors import catalog
from connectors.contract import ADDRESS_FIELDS, IDENTITY_FIELD, NAME_FIELD, Contract
from connectors.corrections import (HELD, LOADED, current_batch, held_batches, should_hold,
                                    supersede_others)
from connectors.errors import FeedError
from connectors.failures import RUN_ERRORS, unexpected
from connectors.plan import FeedPlan, ingest_settings, plan_feed
from connectors.reader import Sheet, read_sheet
from connectors.regions import RegionIndex
from connectors.sealing import identity_columns
from shouwang.context import Context
from warehouse import sensitive
from warehouse.db import bulk_insert, sqlite_page_cache
from warehouse.lock import lock_feed
from warehouse.models import (FeedBatch, FeedRecord, PipelineEvent, Quarantine, new_uids,
                              utcnow)

log = logging.getLogger(__name__)
UNKNOWN = "unknown"
RECORD_PURPOSE = "feed_record"


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


def resolve_period(from_name: str | None, given: str | None, source: str) -> str:
    """The feed's period: the file name's, else the run's; FeedError when unknown or in conflict."""
    if from_name and given and from_name != given:
        raise FeedError(f"{source}: the file name says period {from_name} but this run is for "
                        f"{given}; rename the file or land it with period {from_name}",
                        "period_mismatch")
    period = from_name or given
    if not period:
        raise FeedError(f"{source}: no reporting period in the file name; name it "
                        "<department>_<YYYY-MM>, e.g. 医保_2026-10.xlsx", "period_unparseable")
    return period


def department_of(name: str | None, source: str) -> Contract:
    """The contract named by a file's department part; FeedError for unknown or the roster."""
    try:
        contract = catalog.contract_for(name or "")
    except KeyError:
        known = ", ".join(f"{c.department}/{c.label}" for c in catalog.all_contracts())
        raise FeedError(f"{source}: unknown department {name!r} in the file name; name it "
                        f"<department>_<YYYY-MM> with one of: {known}", "unknown_department")
    if contract.department == catalog.ROSTER:
        raise FeedError(f"{source}: this is the roster (花名册); load it with "
                        "`shouwang registry load FILE`, not with ingest", "roster_in_landing")
    return contract


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
        done = _already_loaded(ctx, department, batch_period, checksum)
        if done is not None:
            return done
        return load_sheet(ctx, contract, batch_period, read_sheet(path), path.name, "file",
                          checksum)
    except FeedError as e:
        return record_failure(ctx, department, batch_period, path.name, checksum, e)
    except RUN_ERRORS:
        raise
    except Exception as e:  # noqa: BLE001 - a bug met in one feed fails that feed only
        return record_failure(ctx, department, batch_period, path.name, checksum,
                              unexpected(path.name, e))


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
    except FeedError as e:
        return record_failure(ctx, source.department, period, source.label, "", e, source.kind)
    except RUN_ERRORS:
        raise
    except Exception as e:  # noqa: BLE001 - a bug met in one feed fails that feed only
        return record_failure(ctx, source.department, period, source.label, "",
                              unexpected(source.label, e), source.kind)
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
        done = _already_loaded(ctx, contract.department, period, checksum)
        if done is not None:
            return done
        return load_sheet(ctx, contract, period, sheet, sheet.source, source_kind, checksum)
    except FeedError as e:
        return record_failure(ctx, department, period, sheet.source, checksum, e, source_kind)
    except RUN_ERRORS:
        raise
    except Exception as e:  # noqa: BLE001 - a bug met in one feed fails that feed only
        return record_failure(ctx, department, period, sheet.source, checksum,
                              unexpected(sheet.source, e), source_kind)


def _already_loaded(ctx: Context, department: str, period: str,
                    checksum: str) -> IngestResult | None:
    """A quick look before reading the file; `load_sheet` looks again under the feed's lock."""
    with ctx.engine.connect() as conn:
        return _same_batch(conn, department, period, checksum)


def _same_batch(conn, department: str, period: str, checksum: str) -> IngestResult | None:
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
        note = next(h.describe() for h in held_batches(conn, period) if h.batch_id == b.id)
    return IngestResult(b.id, department, period, "unchanged" if b.status == LOADED else HELD,
                        b.source_file, b.rows_read, b.rows_loaded, b.rows_quarantined,
                        b.rows_merged, note=note)


def docs_dir(ctx: Context, period: str) -> Path:
    """Where the Data Docs of a period's batches go."""
    return Path(ctx.home) / "data_docs" / period


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
        done = _same_batch(conn, contract.department, period, checksum)
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
            result.note = next(h.describe() for h in held_batches(conn, period)
                               if h.batch_id == batch_id)
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
    for records in _record_rows(plan, vault, base, int(cfg.get("write_chunk_rows", 20000))):
        bulk_insert(conn, FeedRecord.__table__, records)
        stored += len(records)
    bad = quarantine_rows(plan, base)
    bulk_insert(conn, Quarantine.__table__, bad)
    stored += len(bad) + len(plan.merged)
    assert stored == plan.rows_read, f"{source_file}: {plan.rows_read} read, {stored} stored"
    return batch_id


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


def plain_value(value: object) -> object:
    """A JSON-safe Python value (no NaN or infinity, no pandas NA, no numpy scalars)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON (and PostgreSQL's json) has no NaN or Infinity
    return value


def field_columns(contract: Contract) -> tuple[list[str], list[str]]:
    """(plain fields stored in ``fields``, other ID fields stored as ``<name>_cipher/_index``)."""
    skip = {NAME_FIELD, IDENTITY_FIELD, *ADDRESS_FIELDS}
    plain = [f.name for f in contract.fields if f.name not in skip and f.type != "id"]
    ids = [f.name for f in contract.fields if f.type == "id" and f.name != IDENTITY_FIELD]
    return plain, ids


_PLAIN_KINDS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


def plain_column(column: pd.Series | np.ndarray) -> list:
    """``plain_value`` of every cell of a frame column (or an array of cells), as a list."""
    values = np.array(column, dtype=object)  # a copy: to_numpy may give a read-only view
    kinds = set(map(type, values.tolist()))
    if not kinds <= _PLAIN_KINDS:
        return [plain_value(v) for v in values.tolist()]
    # Plain Python values only: the missing ones are exactly None and float NaN.
    values[pd.isna(values)] = None
    if float in kinds:  # JSON (and PostgreSQL's json) has no Infinity either
        values[(values == math.inf) | (values == -math.inf)] = None
    return values.tolist()


def _record_rows(plan: FeedPlan, vault, base: dict, chunk_rows: int) -> Iterator[list[dict]]:
    """The feed_records rows of the plan's loaded rows, ``chunk_rows`` at a time."""
    recs = plan.records
    frame = recs.frame
    plain, other_ids = field_columns(recs.contract)
    merged_into: dict[int, list[int]] = {}
    for dup, kept in plan.merged.items():
        merged_into.setdefault(kept, []).append(int(frame["source_row"].iat[dup]))
    wanted = {*plain, "source_row", NAME_FIELD, *ADDRESS_FIELDS, "township_id", "village_id"}
    none = [None] * len(frame)
    columns = {c: plain_column(frame[c]) if c in frame.columns else none for c in wanted}
    for c in ("source_row", "township_id", "village_id"):
        # Integer columns stay ints: a float (2.0) loads on SQLite but PostgreSQL's COPY
        # refuses it for the whole feed.
        columns[c] = [None if v is None else int(v) for v in columns[c]]
    person_ids = recs.ids.get(IDENTITY_FIELD)
    role = recs.contract.role
    load = plan.load
    for start in range(0, len(load), chunk_rows):
        chunk = load[start:start + chunk_rows]
        rows = []
        for pos, uid in zip(chunk, new_uids(len(chunk))):
            fields = {name: columns[name][pos] for name in plain}
            for name in other_ids:  # a guardian's ID: sealed in fields, with its blind index
                fields.update(sensitive.sealed_pair(vault, sensitive.RESIDENT_ID, "feed_records",
                                                    f"fields.{name}_cipher", uid,
                                                    recs.ids[name][pos].cleaned))
            raw = recs.raw[pos]
            if pos in merged_into:
                raw = {**raw, "_merged_rows": merged_into[pos]}
            rows.append({
                **base, "uid": uid, "source_row": columns["source_row"][pos],
                "role": role, "name": columns[NAME_FIELD][pos],
                "township": columns["township"][pos], "village": columns["village"][pos],
                "group_name": columns["group_name"][pos],
                "township_id": columns["township_id"][pos],
                "village_id": columns["village_id"][pos], "record_hash": plan.hashes[pos],
                "fields": fields, "raw": raw, "flags": recs.flags[pos],
                **identity_columns(vault, "feed_records", uid,
                                   person_ids[pos] if person_ids is not None else None),
            })
        yield rows


def quarantine_rows(plan: FeedPlan, base: dict) -> list[dict]:
    """Quarantine table rows for a plan: first reason and column, all details, masked raw."""
    frame = plan.records.frame
    rows = []
    for pos, problems in sorted(plan.quarantine.items()):
        first = problems[0]
        rows.append({
            **base, "source_row": int(frame["source_row"].iat[pos]), "reason": first.reason[:48],
            "column": (first.column or "")[:64] or None,
            "detail": "; ".join(p.detail for p in problems),
            "raw": plan.records.raw[pos],
        })
    return rows
