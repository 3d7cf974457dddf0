"""Decide, without writing anything, what happens to every row of one feed.

``plan_feed`` finds the header, normalizes, asks `expectations.validate_batch` (when that room
is installed), and sorts each row into load, quarantine or merged-duplicate. Both the loader
and `shouwang feeds check` use it, so the dry run says exactly what a load would do.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from connectors import catalog
from connectors.contract import IDENTITY_FIELD, Contract
from connectors.errors import FeedError
from connectors.reader import Located, Sheet, best_contract, locate
from connectors.records import Problem, Records, build_records
from connectors.regions import RegionIndex
from warehouse import identity

log = logging.getLogger(__name__)
Hasher = Callable[[str], str]
ID_STATUSES = {identity.BLANK, identity.BAD_CHARS, identity.BAD_LENGTH, identity.BAD_REGION,
               identity.BAD_DATE, identity.BAD_CHECKSUM, identity.EXCEL_PRECISION}


@dataclass
class FeedPlan:
    """What loading one feed would do: rows to load, to quarantine, and merged duplicates."""

    records: Records
    load: list[int]  # positions of rows to store
    quarantine: dict[int, list[Problem]]
    merged: dict[int, int]  # duplicate position → position of the row it was merged into
    hashes: list[str]
    docs_path: str | None = None
    validated: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def located(self) -> Located:
        """The sheet with its header row and column mapping."""
        return self.records.located

    @property
    def rows_read(self) -> int:
        """Data rows read (totals and blank rows not counted)."""
        return len(self.records.frame)

    def release_cells(self) -> None:
        """Free the sheet's source cells: records, raw cells and lineage already hold what is kept.

        A 364k-row roster's cells are ~0.45 GB that would otherwise stay alive while persons
        are sealed and written.
        """
        self.located.sheet.rows = []

    def check(self) -> None:
        """Assert the accounting: rows read = loaded + quarantined + merged."""
        total = len(self.load) + len(self.quarantine) + len(self.merged)
        if total != self.rows_read:
            raise AssertionError(f"{self.located.sheet.source}: {self.rows_read} rows read but "
                                 f"{total} accounted for")


def plain_hasher(text: str) -> str:
    """An unkeyed digest, for in-memory duplicate detection in dry runs (never stored)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def ingest_settings(settings: dict) -> dict:
    """The ``ingest`` section of the settings."""
    return settings.get("ingest", {})


def locate_checked(sheet: Sheet, contract: Contract, cfg: dict) -> Located:
    """Header row of ``contract`` in ``sheet``; FeedError for a missing column or another dept."""
    scan = int(cfg.get("header_scan_rows", 30))
    located = locate(sheet, contract, scan, tuple(cfg.get("totals_labels", ("合计",))))
    missing = located.missing
    if missing:
        others = [c for c in catalog.all_contracts(include_roster=True) if c is not contract]
        other, score = best_contract(sheet, others, scan) if others else (None, 0.0)
        if other is not None and score == 1.0:
            raise FeedError(
                f"{sheet.source}: this looks like a {other.label} ({other.department}) file, not "
                f"{contract.label} ({contract.department}): its header has all of "
                f"{other.label}'s columns but lacks "
                f"{', '.join(contract.field(m).headers[0] for m in missing)}. Rename it "
                f"{other.department}_<YYYY-MM>{Path(sheet.source).suffix} or land the right file.",
                "wrong_department")
        wanted = "; ".join(f"{contract.field(m).headers[0]} ({m})" for m in missing)
        found = ", ".join(h for h in located.headers if h) or "nothing"
        raise FeedError(
            f"{sheet.source}: required column {wanted} not found in the header row "
            f"(row {located.header_row}: {found}). Add the column with exactly that header, or "
            f"rename the column that holds it.", "missing_column")
    if not located.data_rows:
        raise FeedError(f"{sheet.source}: no data rows below the header (row "
                        f"{located.header_row}); ask the department to export it again",
                        "empty_file")
    return located


def record_keys(records: Records) -> list[str]:
    """Canonical text of each normalized row (IDs as cleaned cells), for duplicate detection."""
    frame = records.frame
    parts = [frame[c].astype(object).where(frame[c].notna(), "\x00").astype(str)
             for c in frame.columns if c != "source_row"]
    parts += [pd.Series([c.cleaned for c in cells], index=frame.index)
              for cells in records.ids.values()]
    if not parts:
        return [""] * len(frame)
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + "\x1f" + p
    return joined.tolist()


def choose_sheet(sheet: Sheet, contract: Contract, scan_rows: int) -> tuple[Sheet, str | None]:
    """The worksheet whose header best fits ``contract`` (the first on a tie), and a note
    naming the sheets not read (None for a single sheet)."""
    if not sheet.others:
        return sheet, None
    candidates = [sheet, *sheet.others]
    scores = [max((contract.score(r) for r in s.rows[:scan_rows]), default=0.0)
              for s in candidates]
    chosen = candidates[scores.index(max(scores))]
    skipped = ", ".join(f"'{s.sheet_name}' ({len(s.rows)} row{'s' * (len(s.rows) != 1)})"
                        for s in candidates if s is not chosen)
    note = (f"{sheet.source}: the workbook has {len(candidates)} sheets with data; read sheet "
            f"'{chosen.sheet_name}' (its header fits {contract.label}); not read: {skipped}. "
            "If rows belong in another sheet, move them into that one and land the file again.")
    # The chosen sheet stands alone from here on: the others' cells can be freed.
    single = Sheet(chosen.source, chosen.kind, chosen.encoding, chosen.rows, chosen.row_numbers,
                   chosen.numeric, chosen.nul_cells, chosen.sheet_name)
    return single, note


def plan_feed(sheet: Sheet, contract: Contract, settings: dict, regions: RegionIndex | None,
              hasher: Hasher = plain_hasher, docs_dir: Path | None = None,
              validate: bool = True) -> FeedPlan:
    """Sort every row of ``sheet`` into load / quarantine / merged; FeedError if the feed fails."""
    cfg = ingest_settings(settings)
    sheet, sheet_note = choose_sheet(sheet, contract, int(cfg.get("header_scan_rows", 30)))
    try:
        located = locate_checked(sheet, contract, cfg)
    except FeedError as e:
        if sheet_note is None:
            raise
        raise FeedError(f"{e} Note: {sheet_note}", e.reason) from e
    records = build_records(located, regions, cfg)
    plan = FeedPlan(records, [], {}, {}, [])
    if sheet_note:
        plan.notes.append(sheet_note)
    if validate:
        _apply_validation(plan, contract, docs_dir, cfg)
    quarantined = records.problems
    seen: dict[str, int] = {}
    for pos, key in enumerate(record_keys(records)):
        digest = hasher(key)
        plan.hashes.append(digest)
        if pos in quarantined:
            plan.quarantine[pos] = quarantined[pos]
        elif digest in seen:
            plan.merged[pos] = seen[digest]
        else:
            seen[digest] = pos
            plan.load.append(pos)
    plan.check()
    limit = float(cfg.get("max_bad_row_share", 0.5))
    if plan.rows_read and len(plan.quarantine) / plan.rows_read > limit:
        first = next(iter(plan.quarantine.values()))[0]
        raise FeedError(
            f"{sheet.source}: {len(plan.quarantine)} of {plan.rows_read} rows are bad (more than "
            f"{limit:.0%}), e.g. {first.detail}; the whole file is stopped. Check that the "
            f"columns hold what their headers say, then land a corrected file.", "too_many_bad_rows")
    return plan


def _apply_validation(plan: FeedPlan, contract: Contract, docs_dir: Path | None,
                      cfg: dict) -> None:
    """Row failures from the expectations room join the quarantine."""
    from expectations import contracts, validate_batch  # lazy: Great Expectations loads slowly
    records = plan.records
    frame = records.frame.copy()
    # The check-digit expectation needs the cleaned ID; it lives in this in-memory frame only
    # (the suites exclude unexpected values from results and Data Docs).
    cells = records.ids.get(IDENTITY_FIELD)
    if cells is not None:
        frame[IDENTITY_FIELD] = [c.cleaned or None for c in cells]
    for f in contract.fields:
        if f.type == "bool" and f.name in frame:  # the suites check the file's 是/否 words
            frame[f.name] = frame[f.name].map({True: "是", False: "否"})
    # Validation sits below this room: it derives the suite from the contract handed to it.
    contracts.register(contract)
    try:
        outcome = validate_batch(contract.department, frame, docs_dir)
    except (ValueError, RuntimeError) as e:  # BatchContractError / BatchValidationError
        raise FeedError(f"{records.located.sheet.source}: validation could not run: {e}",
                        "validation_error") from e
    plan.validated = True
    loadable_ids = ID_STATUSES - set(cfg.get("quarantine_id_statuses", ()))
    plan.docs_path = _str_or_none(getattr(outcome, "docs_path", None))
    by_row = {int(r): pos for pos, r in enumerate(frame["source_row"])}
    for source_row, reason, column in _failures(outcome):
        pos = by_row.get(int(source_row))
        if pos is None:
            continue
        if reason in loadable_ids:
            continue  # the connector's ID policy loads these rows flagged
        if any(p.reason == reason or p.field == column for p in records.problems.get(pos, [])):
            continue  # the connector already said why this cell is bad
        records.add_problem(pos, Problem(reason, column, f"{column or 'row'}: {reason} "
                                                         "(validation)", column))


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _failures(outcome) -> Iterator[tuple[int, str, str | None]]:
    """(source_row, reason, column) triples from a ValidationOutcome."""
    for row, reasons in outcome.failures.items():
        for reason, column in reasons:
            yield row, reason, column
