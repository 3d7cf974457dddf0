"""Row building: a feed plan's loaded rows as feed_records rows and its quarantine rows, JSON-safe."""
from __future__ import annotations

import datetime as dt
import math
from typing import Iterator

import numpy as np
import pandas as pd

from connectors.contract import ADDRESS_FIELDS, IDENTITY_FIELD, NAME_FIELD, Contract
from connectors.plan import FeedPlan
from connectors.sealing import identity_columns
from warehouse import identity, sensitive
from warehouse.models import new_uids

RECORD_PURPOSE = "feed_record"  # blind-index purpose of a row's record hash


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


def record_rows(plan: FeedPlan, vault, base: dict, chunk_rows: int) -> Iterator[list[dict]]:
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
                **person_columns(vault, uid, person_ids[pos] if person_ids is not None else None),
            })
        yield rows


def person_columns(vault, uid: str, cell) -> dict:
    """The record's identity columns; a mistyped ID still gives the birth date and sex that
    check digit and calendar make credible (``identity.credible_parts``), for matching."""
    out = identity_columns(vault, "feed_records", uid, cell)
    if cell is not None and out["birth_date"] is None and out["sex"] is None:
        out["birth_date"], out["sex"] = identity.credible_parts(cell.parsed)
    return out


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
