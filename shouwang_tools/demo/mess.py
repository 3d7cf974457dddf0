"""The mess of FEEDS.md, planted at known rates: mangled IDs, names, amounts, dates and places,
duplicate rows and truly bad rows. Every change is recorded on the table for the truth files."""
from __future__ import annotations

import numpy as np

from shouwang_tools.demo import formats, ids, names
from shouwang_tools.demo.table import FeedTable

BAD_REASONS = ("bad_amount", "bad_date", "bad_enum")
_ID = {
    "id_lowercase_x": lambda rid, rng: ids.lowercase_x(rid) or None,
    "id_spaces": lambda rid, rng: ids.spaced(rid),
    "id_fullwidth": lambda rid, rng: ids.fullwidth(rid),
    "id_old15": lambda rid, rng: ids.old_15(rid) or None,
    "id_typo_digit": lambda rid, rng: ids.typo_digit(rid, rng) or None,
    "id_swap_adjacent": lambda rid, rng: ids.swap_adjacent(rid, rng) or None,
    "id_blank": lambda rid, rng: "",
    "id_excel_number": lambda rid, rng: ids.excel_number(rid),
    "id_excel_000": lambda rid, rng: ids.excel_000(rid) or None,
    # Typos inside the birth date read as an impossible date (id_bad_birth_date) or a failed
    # check digit; the row still loads and matches by the digits that survive (issue 15).
    "id_typo_birth_date": lambda rid, rng: ids.birth_date_typo(rid, rng) or None,
    "id_swap_birth_date": lambda rid, rng: ids.birth_date_swap(rid, rng) or None,
    "id_excel_scientific": lambda rid, rng: ids.excel_scientific(rid) or None,
}
_AMOUNT = {
    "amount_comma": formats.amount_comma,
    "amount_wan": formats.amount_wan,
    "amount_yuan": formats.amount_yuan,
}


def _family(kind: str) -> str:
    return kind.split("_", 1)[0]


def applicable(table: FeedTable, kind: str) -> bool:
    """Whether this kind of mess can occur in this file at all."""
    layout = table.layout
    if kind == "id_excel_number":
        return layout["format"] == "xlsx" and bool(layout.get("ids_as_numbers"))
    if kind in ("id_excel_000", "id_excel_scientific"):
        return layout["format"] == "csv"
    if kind in _AMOUNT:
        return bool(table.amounts)
    if kind.startswith("date_"):
        style = kind.removeprefix("date_")
        return bool(table.dates) and style != layout.get("date_format", "iso")
    if kind == "place_short":
        return layout["place_style"] == "official"
    return True


def _rewrite(table: FeedTable, kind: str, row: int, rng: np.random.Generator) -> str | None:
    """Apply one mess kind to one row; the column key changed, or None if it does not apply."""
    cols = table.columns
    family = _family(kind)
    if family == "id":
        rid = cols["resident_id"][row]
        new = _ID[kind](rid, rng) if rid else None
        if new is None:
            return None
        cols["resident_id"][row] = new
        return "resident_id"
    if family == "name":
        name = cols["name"][row]
        if kind == "name_blank":
            # Only where the ID is as issued: with a mangled one too, nothing would identify anyone.
            if row in table.touched.get("id", set()) or not cols["resident_id"][row]:
                return None
            cols["name"][row] = ""
            return "name"
        if kind == "name_spaces":
            new = names.with_spaces(name) if names.DOT not in name else ""
        elif kind == "name_traditional":
            new = names.traditional(name)
        elif kind == "name_homophone":
            new = names.homophone(name, table.homophones)
        else:
            new = names.dot_variant(name, rng)
        if not new:
            return None
        cols["name"][row] = new
        return "name"
    if family == "place":
        key = ("township", "village")[int(rng.integers(0, 2))]
        short = cols[key][row][:-2] if cols[key][row].endswith(("街道", "社区")) else cols[key][row][:-1]
        cols[key][row] = short
        return key
    keys = table.amounts if family == "amount" else table.dates
    key = keys[int(rng.integers(0, len(keys)))]
    value = table.typed[key][row]
    if value is None or value != value:
        return None
    if family == "amount":
        cols[key][row] = _AMOUNT[kind](float(value))
    else:
        cols[key][row] = formats.date_cell(value, kind.removeprefix("date_"), table.spreadsheet)
    return key


def _candidates(n: int, count: int, rng: np.random.Generator):
    """Rows in random order: a small random sample first, all rows only if that runs out."""
    sample = rng.choice(n, min(n, 8 * count + 50), replace=False)
    yield from sample
    if len(sample) < n:
        yield from rng.permutation(n)


def apply_kind(table: FeedTable, kind: str, count: int, rng: np.random.Generator) -> int:
    """Plant up to `count` instances of one mess kind on rows not yet touched that way."""
    if count <= 0 or not applicable(table, kind):
        return 0
    family = _family(kind)
    touched = table.touched.setdefault(family, set())
    bad = {r for r, _, _ in table.bad}
    done = 0
    for row in _candidates(len(table), count, rng):
        row = int(row)
        if row in touched or row in bad:
            continue
        key = _rewrite(table, kind, row, rng)
        if key:
            table.record(row, kind, key)
            done += 1
            if done == count:
                break
    return done


def _calm_rows(table: FeedTable) -> np.ndarray:
    """Rows with no planted risk, lead or ongoing event: the ones bad rows and copies come from."""
    rows = table.rows
    return np.flatnonzero((rows["risk_type"] == "").to_numpy() & ~rows["lead"].to_numpy())


def plant_bad_rows(table: FeedTable, share: float, bad_values: dict, period: str, rng) -> None:
    """Make a share of calm rows truly bad: unparseable amount, impossible date, unknown value."""
    n = len(table)
    count = max(1, round(n * share)) if n >= 10 else 0
    reasons = [r for r in BAD_REASONS if (r != "bad_amount" or table.amounts) and (r != "bad_date" or table.dates)]
    calm = _calm_rows(table)
    chosen = rng.choice(calm, min(count, len(calm)), replace=False)
    for i, row in enumerate(sorted(int(r) for r in chosen)):
        reason = reasons[i % len(reasons)]
        if reason == "bad_enum":
            key, value = next(iter(table.layout["bad_enum"].items()))
        else:
            keys = table.amounts if reason == "bad_amount" else table.dates
            key = keys[int(rng.integers(0, len(keys)))]
            pool = bad_values["amount" if reason == "bad_amount" else "date"]
            value = pool[int(rng.integers(0, len(pool)))].format(year=period[:4])
        table.columns[key][row] = value
        table.bad.append((row, reason, key))


def plant_duplicates(table: FeedTable, count: int, rng: np.random.Generator) -> int:
    """Rows sent twice (an exact copy right after), taken from calm rows that are not bad."""
    bad = {r for r, _, _ in table.bad}
    calm = [int(r) for r in _calm_rows(table) if r not in bad and r not in table.duplicates]
    picked = rng.choice(calm, min(count, len(calm)), replace=False) if calm else []
    table.duplicates.extend(int(r) for r in picked)
    return len(picked)


def apply_mess(table: FeedTable, cfg: dict, period: str, rng: np.random.Generator) -> None:
    """All of a file's mess at the configured rates: bad rows first, then cell mess, then copies."""
    plant_bad_rows(table, cfg["bad_rows"], cfg["bad_values"], period, rng)
    n = len(table)
    for kind, rate in cfg["mess"].items():
        if kind == "duplicate_row":
            plant_duplicates(table, int(rng.binomial(n, rate)), rng)
        elif kind == "name_dot_variant":
            dotted = sum(names.DOT in name for name in table.columns["name"])
            apply_kind(table, kind, int(rng.binomial(dotted, rate)), rng)
        else:
            apply_kind(table, kind, int(rng.binomial(n, rate)), rng)


def ensure_kind(tables: list[FeedTable], kind: str, rng: np.random.Generator) -> bool:
    """Plant one instance of `kind` in the largest file that can take it, if none has it yet."""
    if kind == "duplicate_row" and any(t.duplicates for t in tables):
        return True
    if any(kind == k for t in tables for _, k, _ in t.mess + t.bad):
        return True
    for table in sorted(tables, key=len, reverse=True):
        if kind == "duplicate_row":
            if plant_duplicates(table, 1, rng):
                return True
        elif apply_kind(table, kind, 1, rng):
            return True
    return False
