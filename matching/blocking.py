"""The blocking rule library: which pairs of rows are worth comparing at all."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from matching.arrays import distinct_values


@dataclass(frozen=True)
class BlockOn:
    """Pairs whose ``columns`` are all equal and present (right side may name other columns)."""

    columns: tuple[str, ...]
    right_columns: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        """A short name for reports: ``village+surname_pinyin``."""
        right = f"={'+'.join(self.right_columns)}" if self.right_columns else ""
        return "+".join(self.columns) + right

    def pairs(self, left: pd.DataFrame, right: pd.DataFrame) -> np.ndarray:
        """Candidate pairs as an (n, 2) array of row positions (left, right)."""
        rcols = self.right_columns or self.columns
        lk = _keyed(left, self.columns)
        rk = _keyed(right, rcols)
        rk.columns = list(self.columns) + ["_pos"]
        joined = lk.merge(rk, on=list(self.columns), suffixes=("_l", "_r"))
        return joined[["_pos_l", "_pos_r"]].to_numpy(dtype=np.int64)


def _keyed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"blocking column(s) {missing} not in the frame; add them or fix the spec")
    part = frame[list(columns)].copy()
    part["_pos"] = np.arange(len(frame), dtype=np.int64)
    keep = part[list(columns)].notna().all(axis=1)
    for c in columns:
        keep &= part[c].astype("string").fillna("") != ""
    return part[keep]


def candidate_pairs(
    rules: Sequence[BlockOn], left: pd.DataFrame, right: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The union of every rule's pairs, each pair once, as (left positions, right positions)."""
    width = np.int64(len(right))
    if not rules:
        raise ValueError("a linkage spec needs at least one blocking rule, e.g. BlockOn(('id_index',))")
    codes = [r.pairs(left, right) for r in rules]
    flat = np.concatenate([c[:, 0] * width + c[:, 1] for c in codes])
    flat = distinct_values(flat)
    return flat // width, flat % width


def blocking_from_dict(spec: dict | list | str) -> BlockOn:
    """Build a rule from ``["village", "surname_pinyin"]`` or ``{"columns": [...], "right_columns": [...]}``."""
    if isinstance(spec, str):
        return BlockOn((spec,))
    if isinstance(spec, list):
        return BlockOn(tuple(spec))
    right = spec.get("right_columns")
    return BlockOn(tuple(spec["columns"]), tuple(right) if right else None)
