"""Feed records and roster persons as frames with the keys the person spec compares."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    out["name_clean"] = [clean_name(n) or None for n in names]
    out["name_pinyin"] = [name_pinyin(n) or None for n in names]
    out["surname_pinyin"] = [surname_pinyin(n) or None for n in names]
    town = [region_short(t) if isinstance(t, str) else "" for t in out["township"]]
    village = [region_short(v) if isinstance(v, str) else "" for v in out["village"]]
    out["township_key"] = [t or None for t in town]
    # Village names repeat across townships, so the key carries its township.
    out["village_key"] = [f"{t}/{v}" if t and v else None for t, v in zip(town, village)]
    out["birth_date"] = [_iso(v) for v in out["birth_date"]]
    for col in IDENTITY:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


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
                "sole_candidate_threshold", "chunk_pairs")


def person_spec(settings: dict) -> LinkageSpec:
    """The person linkage spec with thresholds and EM options from settings ``matching:``."""
    section = settings.get("matching", {})
    return LinkageSpec.from_dict(_spec_dict(), {k: section[k] for k in SETTING_KEYS if k in section})
