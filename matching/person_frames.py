"""Feed records and roster persons as frames with the keys the person spec compares."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from matching.normalize import clean_name, name_pinyin, region_short, surname_pinyin
from matching.settings import LinkageSpec

IDENTITY = ["id_index", "id_key0", "id_key1", "id_key2", "id_key3", "birth_date", "sex"]
HEAD_RELATION = "户主"
HEAD_ROLE = "head"


def _iso(value) -> str | None:
    if value is None or value != value:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def add_match_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Add name_clean, name_pinyin, surname_pinyin, township_key, village_key; ISO birth dates.

    ``frame`` has name, township, village and the identity columns; values are never IDs.
    """
    out = frame.copy()
    names = out["name"].astype(object).where(out["name"].notna(), None)
    out["name_clean"] = per_distinct(names, lambda n: clean_name(n) or None)
    out["name_pinyin"] = per_distinct(names, lambda n: name_pinyin(n) or None)
    out["surname_pinyin"] = per_distinct(names, lambda n: surname_pinyin(n) or None)
    places = pd.DataFrame({"t": out["township"].astype(object), "v": out["village"].astype(object)})
    # Village names repeat across townships, so the key carries its township.
    keys = per_distinct_rows(places, _place_keys)
    out["township_key"] = [k[0] for k in keys]
    out["village_key"] = [k[1] for k in keys]
    out["birth_date"] = per_distinct(out["birth_date"].astype(object), _iso)
    for col in IDENTITY:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _place_keys(township, village) -> tuple[str | None, str | None]:
    town = region_short(township) if isinstance(township, str) else ""
    vill = region_short(village) if isinstance(village, str) else ""
    return town or None, (f"{town}/{vill}" if town and vill else None)


def per_distinct(values: pd.Series, func) -> np.ndarray:
    """``func`` of every value, called once per distinct value (missing values get ``func(None)``)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [func(v) for v in uniques]
    table[-1] = func(None)
    return table[codes]


def per_distinct_rows(frame: pd.DataFrame, func) -> np.ndarray:
    """``func(*row)`` of every row of ``frame``, called once per distinct row."""
    codes = np.zeros(len(frame), dtype=np.int64)
    for col in frame.columns:
        part, uniques = pd.factorize(frame[col], use_na_sentinel=True)
        codes = codes * (len(uniques) + 1) + (part + 1)
    codes, distinct = pd.factorize(codes)
    rows = frame.iloc[np.unique(codes, return_index=True)[1]]  # one row per code, in code order
    table = np.empty(len(distinct), dtype=object)
    for k, row in enumerate(rows.itertuples(index=False)):  # not one assignment: func may give tuples
        table[k] = func(*(None if pd.isna(v) else v for v in row))
    return table[codes]


def record_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Feed records (record_id, name, township, village, role, identity columns) ready to link."""
    out = add_match_keys(rows)
    # Only a record that names the head says anything about headship; others stay null.
    out["head"] = ["1" if r == HEAD_ROLE else None for r in out["role"]]
    return out


def person_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Roster persons (person_id, household_id, name, relation, township, village, identity)."""
    out = add_match_keys(rows)
    out["head"] = ["1" if r == HEAD_RELATION else "0" for r in out["relation"]]
    return out


@lru_cache(maxsize=1)
def _spec_dict() -> dict:
    import yaml

    text = (Path(__file__).parent / "person_spec.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


SETTING_KEYS = ("auto_threshold", "review_threshold", "prior_match_rate", "em_max_iterations",
                "em_tolerance", "u_random_pairs", "seed", "ambiguity_margin",
                "sole_candidate_threshold", "chunk_pairs", "memory_pairs", "max_block_pairs",
                "settled_skip_rules")


def person_spec(settings: dict) -> LinkageSpec:
    """The person linkage spec with thresholds, EM and blocking options from settings ``matching:``."""
    section = settings.get("matching", {})
    return LinkageSpec.from_dict(_spec_dict(), {k: section[k] for k in SETTING_KEYS if k in section})
