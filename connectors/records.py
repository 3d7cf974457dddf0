"""A located sheet → canonical records: one column per field, plus row problems and flags.

Nothing here needs keys or a database: the sensitive ID cells stay in ``ids`` (never in the
frame), and ``raw`` keeps the source cells with IDs and phones masked.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import zip_longest
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from connectors import normalize
from connectors.contract import IDENTITY_FIELD, Contract, Field
from connectors.reader import Located
from connectors.regions import RegionIndex
from warehouse import identity
from warehouse.masking import mask_cell, mask_id, mask_phone

REGION_UNKNOWN = "region_unknown"
# Row flags for cells the reader or ``data_columns`` had to change to keep the row.
NUL_STRIPPED = "nul_stripped"
CELL_CUT = "cell_cut"
# Fields that place a person: a name-only row needs one of them to be matched.
_PLACES = ("township", "village", "group")


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
    raw: RawRows  # header → cell text per row, sensitive cells masked
    problems: dict[int, list[Problem]] = field(default_factory=dict)
    flags: list[list[str]] = field(default_factory=list)
    # Rows whose own ID finds no one, with the problem they carry if nothing else identifies them.
    unidentified: list[tuple[int, Problem]] = field(default_factory=list, repr=False)

    @property
    def contract(self) -> Contract:
        """The contract the rows were read with."""
        return self.located.contract

    def add_problem(self, pos: int, problem: Problem) -> None:
        """Record a reason row ``pos`` cannot be loaded."""
        self.problems.setdefault(pos, []).append(problem)


def _shown(value: str, f: Field | None) -> str:
    """A cell as it may appear in quarantine detail: sensitive cells masked."""
    if f is not None and f.type == "id":
        return mask_id(identity.clean(value))
    if f is not None and f.type == "phone":
        return mask_phone(value)
    return mask_cell(value)  # digit runs that could be an ID or a phone


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


def data_columns(located: Located) -> list[np.ndarray]:
    """Every column of the data rows as an object array of cell text ('' where a row is short).

    One transposition for the whole sheet: reading a column row by row costs a Python step
    per cell, for every column of every field and of ``raw``.
    """
    rows = located.sheet.rows
    data = [rows[i] for i in located.data_rows]
    width = max(len(located.headers), max(map(len, data), default=0))
    columns = [np.array(c, dtype=object) for c in zip_longest(*data, fillvalue="")]
    n = len(data)
    columns += [np.full(n, "", dtype=object) for _ in range(width - len(columns))]
    return columns


def cut_long_cells(columns: list[np.ndarray], limit: int) -> set[int]:
    """Cut cells longer than ``limit`` characters in place; returns the positions of their rows.

    A megabyte in one cell is a broken export, not data: the row keeps its other cells and is
    flagged (names and places that are still too long are then bad cells of their own).
    """
    rows: set[int] = set()
    for cells in columns:
        if max(map(len, cells), default=0) <= limit:  # C-speed check: almost every column
            continue
        for pos in np.flatnonzero(np.fromiter(map(len, cells), dtype=np.int64,
                                              count=len(cells)) > limit).tolist():
            cells[pos] = cells[pos][:limit]
            rows.add(pos)
    return rows


def _flag_changed_cells(recs: "Records", cut: set[int]) -> None:
    """Flag rows whose cells lost NUL characters (reader) or were cut (``cut_long_cells``)."""
    located = recs.located
    nul_rows = {i for i, _ in located.sheet.nul_cells}
    for pos, i in enumerate(located.data_rows):
        if i in nul_rows:
            recs.flags[pos].append(NUL_STRIPPED)
        if pos in cut:
            recs.flags[pos].append(CELL_CUT)


def _shown_column(cells: np.ndarray, f: Field | None) -> np.ndarray:
    """``_shown`` of every cell of a column, computed once per distinct cell."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    return np.array([_shown(u, f) for u in uniques.tolist()], dtype=object)[codes]


class RawRows(Sequence):
    """The masked source cells of each row as a dict, made when a row is asked for.

    Kept as columns: a 364k-row roster loads without ``raw`` and would otherwise hold a dict
    per row (about 1.7 KB each) for the few it quarantines.
    """

    def __init__(self, names: list[str], columns: list[list], rows: int):
        self.names, self.columns, self.rows = names, columns, rows

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, pos):
        if isinstance(pos, slice):
            return [self[i] for i in range(*pos.indices(self.rows))]
        return {name: col[pos] for name, col in zip(self.names, self.columns)}


def _raw_dicts(located: Located, columns: list[np.ndarray],
               masked: dict[int, np.ndarray]) -> RawRows:
    """Source cells per row, masked column by column (each distinct cell scrubbed once).

    ``masked`` holds the already masked cells of ID columns (by column index).
    """
    by_index = {idx: located.contract.field(name) for name, idx in located.mapping.items()}
    names: list[str] = []
    values: list[list] = []
    seen: set[str] = set()
    for j, cells in enumerate(columns):
        if j < len(located.headers):
            key = located.headers[j].strip() or f"col{j + 1}"
            if key in seen:
                key = f"{key}#{j + 1}"
            seen.add(key)
        else:  # cells beyond the header still count
            key = f"col{j + 1}"
        shown = masked[j] if j in masked else _shown_column(cells, by_index.get(j))
        names.append(key)
        values.append(shown.tolist())  # Python str/None, as json and the tests expect
    return RawRows(names, values, len(located.data_rows))


def build_records(located: Located, regions: RegionIndex | None, settings: dict) -> Records:
    """Normalize every field of every data row; collect row problems and flags."""
    contract = located.contract
    sheet = located.sheet
    n = len(located.data_rows)
    columns = data_columns(located)
    cut = cut_long_cells(columns, int(settings.get("max_cell_chars", 4096)))
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    frame["source_row"] = [sheet.row_numbers[i] for i in located.data_rows]
    recs = Records(located, frame, {}, [], {}, [[] for _ in range(n)])
    _flag_changed_cells(recs, cut)
    quarantine_ids = set(settings.get("quarantine_id_statuses", ()))
    masked: dict[int, np.ndarray] = {}
    for f in contract.fields:
        idx = located.mapping.get(f.name)
        header = located.headers[idx] if idx is not None else f.headers[0]
        cells = columns[idx] if idx is not None else np.full(n, "", dtype=object)
        if f.type == "id":
            stored_as_number = {i for i, j in sheet.numeric if j == idx}
            numeric = np.fromiter((i in stored_as_number for i in located.data_rows),
                                  dtype=bool, count=n)
            shown = _add_ids(recs, f, header, cells, numeric, quarantine_ids)
            if idx is not None:
                masked[idx] = shown
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
    recs.raw = _raw_dicts(located, columns, masked)
    del columns
    _quarantine_unidentified(recs)
    _resolve_places(recs, regions)
    if contract.after_normalize is not None:
        recs.frame = contract.after_normalize(recs.frame)
    return recs


def _check_pattern(values: np.ndarray, errors: np.ndarray, pattern: str):
    rx = re.compile(pattern)
    fits: dict[str, bool] = {}  # per distinct value: household numbers repeat per member
    for k, v in enumerate(values):
        if v is not None and errors[k] is None:
            text = str(v)
            ok = fits.get(text)
            if ok is None:
                ok = fits[text] = rx.fullmatch(text) is not None
            if not ok:
                values[k], errors[k] = None, "bad_format"
    return values, errors


def _add_ids(recs: Records, f: Field, header: str, cells: np.ndarray, numeric: np.ndarray,
             quarantine_ids: set[str]) -> np.ndarray:
    """ID columns: status and masked form in the frame; bad ones quarantined or flagged.

    Everything is derived once per distinct cell and spread to the rows; returns the masked
    cell of every row (what ``raw`` shows for the column).
    """
    codes, uniques = normalize.parse_id_codes(cells, numeric)
    parsed = uniques[codes]
    recs.ids[f.name] = parsed
    shown_u = np.array([mask_id(p.cleaned) for p in uniques], dtype=object)
    status_u = np.array([p.parsed.status for p in uniques], dtype=object)
    statuses = status_u[codes]
    prefix = "id" if f.name == IDENTITY_FIELD else f.name
    recs.frame[f"{prefix}_status"] = statuses
    if f.name == IDENTITY_FIELD:
        # Lists, as pandas infers these columns' dtypes from lists.
        recs.frame["id_masked"] = _spread([m or None for m in shown_u], codes)
        for column, attr in (("id_region", "region"), ("birth_date", "birth_date"),
                             ("sex", "sex")):
            recs.frame[column] = _spread([getattr(p.parsed, attr) for p in uniques], codes)
    shown = shown_u[codes]
    usable_u = np.array([identity.usable(p.parsed) for p in uniques], dtype=bool)
    for pos in np.flatnonzero(statuses != identity.OK).tolist():
        status = statuses[pos]
        if status == identity.BLANK and f.name != IDENTITY_FIELD:
            continue  # another person's ID (a guardian's) may simply be absent
        if f.name == IDENTITY_FIELD and status in quarantine_ids:
            recs.add_problem(pos, Problem(status, header, f"{header}={shown[pos]} {status}",
                                          f.name))
        else:
            recs.flags[pos].append(status if f.name == IDENTITY_FIELD else f"{f.name}:{status}")
    if f.name == IDENTITY_FIELD:
        unusable = np.flatnonzero(~usable_u[codes]).tolist()
        recs.unidentified = [(pos, Problem(statuses[pos], header, f"{header}={shown[pos]} "
                                           f"{statuses[pos]}", f.name)) for pos in unusable]
    return shown


def _quarantine_unidentified(recs: Records) -> None:
    """Rows whose ID finds no one load only if a name and a place can: otherwise quarantined.

    A mangled ID is not a bad row (issue 15): name, place, birth date or guardian still say who
    it is. The reason stays the ID's reason code, so the quarantine export says what was wrong.
    """
    frame = recs.frame
    if "name" not in frame:
        return
    names, places = frame["name"].to_numpy(), [frame[c].to_numpy() for c in _PLACES if c in frame]
    for pos, problem in recs.unidentified:
        if any(p.reason == problem.reason for p in recs.problems.get(pos, [])):
            continue  # the ID policy of settings already quarantined it
        if not _text(names[pos]):
            why = "and no name: nothing in the row says who it is; fill in the name or the ID"
        elif not any(_text(col[pos]) for col in places):
            why = "and no township or village: the name alone cannot find the person"
        else:
            continue
        recs.add_problem(pos, Problem(problem.reason, problem.column,
                                      f"{problem.detail} {why}", problem.field))
    recs.unidentified = []


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _resolve_places(recs: Records, regions: RegionIndex | None) -> None:
    """Official township/village names and region ids; unknown places flagged, kept as written."""
    frame = recs.frame
    if "township" not in frame or "village" not in frame:
        return
    n = len(frame)
    if regions is not None and len(regions):
        # Resolve each distinct (township, village) pair once: places repeat on every row.
        pairs: dict[tuple, int] = {}
        codes = np.fromiter((pairs.setdefault(key, len(pairs)) for key in
                             zip(_text_or_none(frame["township"]),
                                 _text_or_none(frame["village"]))),
                            dtype=np.intp, count=n)
        towns, villages, t_ids, v_ids, unknown = [], [], [], [], []
        for t, v in pairs:
            tp, vp = regions.resolve(t, v)
            towns.append(tp.name)
            villages.append(vp.name)
            t_ids.append(tp.region_id)
            v_ids.append(vp.region_id)
            unknown.append(bool((t and tp.region_id is None) or (v and vp.region_id is None)))
        for pos in np.flatnonzero(np.array(unknown, dtype=bool)[codes]).tolist():
            recs.flags[pos].append(REGION_UNKNOWN)
        frame["township"], frame["village"] = _spread(towns, codes), _spread(villages, codes)
        # Object columns: from a list of ints and None pandas makes floats, and PostgreSQL's
        # COPY then refuses "2.0" for an integer column.
        frame["township_id"] = pd.Series(_spread(t_ids, codes), index=frame.index, dtype=object)
        frame["village_id"] = pd.Series(_spread(v_ids, codes), index=frame.index, dtype=object)
    else:
        frame["township_id"] = pd.Series([None] * n, index=frame.index, dtype=object)
        frame["village_id"] = pd.Series([None] * n, index=frame.index, dtype=object)


def _text_or_none(column: pd.Series) -> list:
    """A text column's cells as a list, missing ones (None or pandas' NaN) as None."""
    return column.astype(object).where(column.notna(), None).tolist()


def _spread(per_distinct: list, codes: np.ndarray) -> list:
    """Values computed once per distinct key, as a list with one entry per row."""
    holder = np.empty(len(per_distinct), dtype=object)
    holder[:] = per_distinct
    return holder[codes].tolist()
