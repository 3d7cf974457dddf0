"""A located sheet → canonical records: one column per field, plus row problems and flags.

Nothing here needs keys or a database: the sensitive ID cells stay in ``ids`` (never in the
frame), and ``raw`` keeps the source cells with IDs and phones masked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from connectors import normalize
from connectors.contract import IDENTITY_FIELD, Contract, Field
from connectors.reader import Located
from connectors.regions import RegionIndex
from warehouse import identity
from warehouse.masking import mask_id, mask_phone

# Digit runs that could be an ID or a phone, masked wherever they appear in raw cells.
_SECRET_ID = re.compile(r"\d{6}[\d\s]{7,11}[\dXx]|\d\.\d+[Ee]\+?1[47]")
_SECRET_PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
REGION_UNKNOWN = "region_unknown"


@dataclass(frozen=True)
class Problem:
    """Why one row cannot be loaded: a reason code, the file's column, words for people."""

    reason: str
    column: str | None
    detail: str
    field: str | None = None  # the canonical field, when one column is to blame


@dataclass
class Records:
    """The normalized rows of one sheet, in file order (position = row in ``frame``)."""

    located: Located
    frame: pd.DataFrame  # canonical fields, source_row, id_status, id_masked, region ids
    ids: dict[str, np.ndarray]  # id field → IdCell per row (sensitive: never in the frame)
    raw: list[dict]  # header → cell text, sensitive cells masked
    problems: dict[int, list[Problem]] = field(default_factory=dict)
    flags: list[list[str]] = field(default_factory=list)

    @property
    def contract(self) -> Contract:
        """The contract the rows were read with."""
        return self.located.contract

    def add_problem(self, pos: int, problem: Problem) -> None:
        """Record a reason row ``pos`` cannot be loaded."""
        self.problems.setdefault(pos, []).append(problem)


def scrub(text: str) -> str:
    """A cell with any ID-like or mobile-like digit run masked."""
    if not text or sum(c.isdigit() for c in text) < 7:
        return text
    text = _SECRET_ID.sub(lambda m: mask_id(m.group(0)), text)
    return _SECRET_PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _shown(value: str, f: Field | None) -> str:
    """A cell as it may appear in quarantine detail: sensitive cells masked."""
    if f is not None and f.type == "id":
        return mask_id(identity.clean(value))
    if f is not None and f.type == "phone":
        return mask_phone(value)
    return scrub(value)


_WHAT = {
    normalize.MISSING: "is blank but required",
    normalize.BAD_DATE: "is not a date (use 2026-10-03)",
    normalize.BAD_AMOUNT: "is not an amount of yuan",
    normalize.BAD_INT: "is not a whole number",
    normalize.BAD_BOOL: "is not 是 or 否",
    normalize.BAD_ENUM: "is not one of the allowed values",
    normalize.BAD_NAME: "is not a person's name",
    normalize.BAD_PHONE: "is not a phone number",
    "bad_format": "has the wrong format",
    normalize.TOO_LONG: f"is longer than {normalize.MAX_NAME} characters",
}


def _column_cells(located: Located, idx: int | None) -> pd.Series:
    rows = located.sheet.rows
    if idx is None:
        return pd.Series([""] * len(located.data_rows), dtype=object)
    return pd.Series([rows[i][idx] if idx < len(rows[i]) else "" for i in located.data_rows],
                     dtype=object)


def _raw_dicts(located: Located) -> list[dict]:
    """Source cells per row, masked column by column (each distinct cell scrubbed once)."""
    by_index = {idx: located.contract.field(name) for name, idx in located.mapping.items()}
    columns: list[tuple[str, np.ndarray]] = []
    seen: set[str] = set()
    for j, header in enumerate(located.headers):
        key = header.strip() or f"col{j + 1}"
        if key in seen:
            key = f"{key}#{j + 1}"
        seen.add(key)
        cells = _column_cells(located, j)
        codes, uniques = pd.factorize(cells, use_na_sentinel=False)
        f = by_index.get(j)
        shown = np.array([_shown(u, f) for u in uniques], dtype=object)
        columns.append((key, shown[codes]))
    width = max((len(located.sheet.rows[i]) for i in located.data_rows), default=0)
    for j in range(len(located.headers), width):  # cells beyond the header still count
        cells = _column_cells(located, j)
        columns.append((f"col{j + 1}", np.array([scrub(c) for c in cells], dtype=object)))
    names = [k for k, _ in columns]
    return [dict(zip(names, vals)) for vals in zip(*(v for _, v in columns))] \
        if columns else [{} for _ in located.data_rows]


def build_records(located: Located, regions: RegionIndex | None, settings: dict) -> Records:
    """Normalize every field of every data row; collect row problems and flags."""
    contract = located.contract
    sheet = located.sheet
    n = len(located.data_rows)
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    frame["source_row"] = [sheet.row_numbers[i] for i in located.data_rows]
    recs = Records(located, frame, {}, _raw_dicts(located), {}, [[] for _ in range(n)])
    quarantine_ids = set(settings.get("quarantine_id_statuses", ()))
    for f in contract.fields:
        idx = located.mapping.get(f.name)
        header = located.headers[idx] if idx is not None else f.headers[0]
        cells = _column_cells(located, idx)
        if f.type == "id":
            numeric = np.array([(i, idx) in sheet.numeric for i in located.data_rows], dtype=bool)
            _add_ids(recs, f, header, cells, normalize.parse_ids(cells, numeric), quarantine_ids)
            continue
        parser = normalize.parser_for(f.type, f.allowed, settings)
        values, errors = normalize.parse_column(cells, parser, f.blank_ok)
        if f.pattern:
            values, errors = _check_pattern(values, errors, f.pattern)
        frame[f.name] = values
        for pos in np.flatnonzero(pd.notna(errors)):
            reason = errors[pos]
            if f.on_error == "flag" and reason != normalize.MISSING:
                recs.flags[pos].append(f"{f.name}:{reason}")
                continue
            what = _WHAT.get(reason, "cannot be read")
            if reason == normalize.BAD_ENUM:
                what = f"is not one of {'/'.join(f.allowed)}"
            recs.add_problem(int(pos), Problem(reason, header,
                                               f"{header}={_shown(cells[pos], f)!s} {what}",
                                               f.name))
    _resolve_places(recs, regions)
    if contract.after_normalize is not None:
        recs.frame = contract.after_normalize(recs.frame)
    return recs


def _check_pattern(values: np.ndarray, errors: np.ndarray, pattern: str):
    rx = re.compile(pattern)
    for k, v in enumerate(values):
        if v is not None and errors[k] is None and not rx.fullmatch(str(v)):
            values[k], errors[k] = None, "bad_format"
    return values, errors


def _add_ids(recs: Records, f: Field, header: str, cells: pd.Series, parsed: np.ndarray,
             quarantine_ids: set[str]) -> None:
    """ID columns: status and masked form in the frame; bad ones quarantined or flagged."""
    recs.ids[f.name] = parsed
    statuses = np.array([p.parsed.status for p in parsed], dtype=object)
    prefix = "id" if f.name == IDENTITY_FIELD else f.name
    recs.frame[f"{prefix}_status"] = statuses
    if f.name == IDENTITY_FIELD:
        recs.frame["id_masked"] = [mask_id(p.cleaned) or None for p in parsed]
        recs.frame["id_region"] = [p.parsed.region for p in parsed]
        recs.frame["birth_date"] = [p.parsed.birth_date for p in parsed]
        recs.frame["sex"] = [p.parsed.sex for p in parsed]
    for pos, p in enumerate(parsed):
        status = p.parsed.status
        if status in (identity.OK,):
            continue
        if status == identity.BLANK and f.name != IDENTITY_FIELD:
            continue  # another person's ID (a guardian's) may simply be absent
        if f.name == IDENTITY_FIELD and status in quarantine_ids:
            recs.add_problem(pos, Problem(status, header,
                                          f"{header}={mask_id(p.cleaned)} {status}", f.name))
        else:
            recs.flags[pos].append(status if f.name == IDENTITY_FIELD else f"{f.name}:{status}")


def _resolve_places(recs: Records, regions: RegionIndex | None) -> None:
    """Official township/village names and region ids; unknown places flagged, kept as written."""
    frame = recs.frame
    if "township" not in frame or "village" not in frame:
        return
    t_ids, v_ids = [None] * len(frame), [None] * len(frame)
    if regions is not None and len(regions):
        towns, villages = list(frame["township"]), list(frame["village"])
        for pos, (t, v) in enumerate(zip(towns, villages)):
            tp, vp = regions.resolve(t, v)
            towns[pos], villages[pos], t_ids[pos], v_ids[pos] = \
                tp.name, vp.name, tp.region_id, vp.region_id
            if (t and tp.region_id is None) or (v and vp.region_id is None):
                recs.flags[pos].append(REGION_UNKNOWN)
        frame["township"], frame["village"] = towns, villages
    frame["township_id"], frame["village_id"] = t_ids, v_ids
