"""The blocking rule library: which pairs of rows are worth comparing at all."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from matching.arrays import distinct_values

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlockOn:
    """Pairs whose ``columns`` are all equal and present (right side may name other columns)."""

    columns: tuple[str, ...]
    right_columns: tuple[str, ...] | None = None
    # A key value pairing more rows than this (left count x right count) says too little to be
    # worth comparing (a typo key shared by a whole birth year): skip it (None: no limit).
    max_block_pairs: int | None = None
    # A left row this rule pairs (an exact blind ID) is not paired again by rules that skip settled rows.
    settles: bool = False
    # This rule (a typo key) adds nothing for a left row a settling rule already paired.
    skips_settled: bool = False

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
        if self.max_block_pairs is not None:
            lk, rk = self._without_large_blocks(lk, rk)
        joined = lk.merge(rk, on=list(self.columns), suffixes=("_l", "_r"))
        return joined[["_pos_l", "_pos_r"]].to_numpy(dtype=np.int64)

    def _without_large_blocks(self, lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Both sides without the key values whose block exceeds ``max_block_pairs``."""
        cols = list(self.columns)
        sizes = lk.groupby(cols).size().to_frame("_nl").join(rk.groupby(cols).size().rename("_nr"), how="inner")
        large = sizes.index[sizes["_nl"] * sizes["_nr"] > self.max_block_pairs]
        if not len(large):
            return lk, rk
        log.info("blocking rule %s: skipped %d block(s) over %d pairs", self.name, len(large), self.max_block_pairs)
        return (lk[~lk.set_index(cols).index.isin(large)], rk[~rk.set_index(cols).index.isin(large)])


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
    """The union of every rule's pairs, each pair once, as (left positions, right positions).

    Left rows a settling rule pairs get no pairs from the rules that skip settled rows.
    """
    width = np.int64(len(right))
    if not rules:
        raise ValueError("a linkage spec needs at least one blocking rule, e.g. BlockOn(('id_index',))")
    settling = [r.pairs(left, right) for r in rules if r.settles]
    settled = np.zeros(len(left), dtype=bool)
    for found in settling:
        settled[found[:, 0]] = True
    rest = [(r.pairs(left, right), r.skips_settled) for r in rules if not r.settles]
    codes = settling + [found[~settled[found[:, 0]]] if skips else found for found, skips in rest]
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
    return BlockOn(
        tuple(spec["columns"]), tuple(right) if right else None,
        max_block_pairs=spec.get("max_block_pairs"), settles=bool(spec.get("settles", False)),
        skips_settled=bool(spec.get("skips_settled", False)),
    )
