"""The blocking rule library: which pairs of rows are worth comparing at all."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from matching.arrays import CodeBook, distinct_values, expand_ranges

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
        li, ri = RuleIndex(self, CodeBook(left, right)).pairs(0, len(left))
        return np.stack([li, ri], axis=1)


def _key_codes(book: CodeBook, columns: Sequence[str], right_columns: Sequence[str]
               ) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row for its key (equal keys, equal codes; -1 when a part is missing or blank)."""
    for frame, cols in ((book.left, columns), (book.right, right_columns)):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise KeyError(f"blocking column(s) {missing} not in the frame; add them or fix the spec")
    n = len(book.left)
    code = np.zeros(n + len(book.right), dtype=np.int64)
    present = np.ones(len(code), dtype=bool)
    for lc, rc in zip(columns, right_columns):
        left_codes, right_codes, vocabulary = book(lc, rc)
        part = np.concatenate([left_codes, right_codes])
        present &= part >= 0
        # Mixed radix over the columns, compacted after each so several columns never overflow.
        code, _ = pd.factorize(code * np.int64(len(vocabulary) + 1) + (part + 1))
        code = code.astype(np.int64)
    code[~present] = -1
    return code[:n], code[n:]


class RuleIndex:
    """One rule's keys on both sides, right rows sorted by key: the pairs of any left rows
    are array look-ups (a sort-merge join), so pairs can be made a slice of left rows at a time."""

    def __init__(self, rule: BlockOn, book: CodeBook):
        self.rule = rule
        lk, rk = _key_codes(book, rule.columns, rule.right_columns or rule.columns)
        if rule.max_block_pairs is not None:
            lk, rk = self._without_large_blocks(lk, rk)
        rows = np.flatnonzero(rk >= 0)
        self.order = rows[np.argsort(rk[rows], kind="stable")]
        ranked = rk[self.order]
        self.start = np.searchsorted(ranked, lk, "left")
        self.counts = np.searchsorted(ranked, lk, "right") - self.start
        self.counts[lk < 0] = 0

    def _without_large_blocks(self, lk: np.ndarray, rk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both sides without the key values whose block exceeds ``max_block_pairs``."""
        size = int(max(lk.max(initial=-1), rk.max(initial=-1))) + 1
        nl = np.bincount(lk[lk >= 0], minlength=size).astype(np.int64)
        nr = np.bincount(rk[rk >= 0], minlength=size).astype(np.int64)
        large = nl * nr > self.rule.max_block_pairs
        if not large.any():
            return lk, rk
        log.info("blocking rule %s: skipped %d block(s) over %d pairs", self.rule.name,
                 int(large.sum()), self.rule.max_block_pairs)
        return (np.where((lk >= 0) & large[np.maximum(lk, 0)], -1, lk),
                np.where((rk >= 0) & large[np.maximum(rk, 0)], -1, rk))

    def pairs(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (left positions, right positions) of left rows ``start`` to ``stop``."""
        row, offset = expand_ranges(self.counts[start:stop])
        return row + start, self.order[self.start[start:stop][row] + offset]


class Blocker:
    """The union of every rule's pairs, made a slice of left rows at a time.

    Left rows a settling rule pairs get no pairs from the rules that skip settled rows.
    """

    def __init__(self, rules: Sequence[BlockOn], book: CodeBook):
        if not rules:
            raise ValueError("a linkage spec needs at least one blocking rule, e.g. BlockOn(('id_index',))")
        self.width = np.int64(len(book.right))
        self.n_left = len(book.left)
        self.indexes = [RuleIndex(rule, book) for rule in rules]
        settled = np.zeros(self.n_left, dtype=bool)
        for index in self.indexes:
            if index.rule.settles:
                settled |= index.counts > 0
        for index in self.indexes:
            if index.rule.skips_settled and not index.rule.settles:
                index.counts[settled] = 0
        # Pairs per left row before removing repeats: an upper bound to size the slices.
        self.bound = np.zeros(self.n_left, dtype=np.int64)
        for index in self.indexes:
            self.bound += index.counts

    def slices(self, max_pairs: int | None) -> Iterator[tuple[int, int]]:
        """(start, stop) ranges of left rows with at most ``max_pairs`` pairs each (a row with
        more gets a range of its own; None: one range)."""
        if max_pairs is None or self.bound.sum() <= max_pairs:
            yield 0, self.n_left
            return
        ends = np.cumsum(self.bound)
        start = 0
        while start < self.n_left:
            base = ends[start - 1] if start else 0
            stop = int(np.searchsorted(ends, base + max_pairs, "right"))
            stop = max(stop, start + 1)
            yield start, stop
            start = stop

    def pairs(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Distinct pairs of left rows ``start`` to ``stop``, sorted by left then right position."""
        codes = []
        for index in self.indexes:
            li, ri = index.pairs(start, stop)
            codes.append(li * self.width + ri)
        flat = distinct_values(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
        return flat // self.width, flat % self.width


def candidate_pairs(
    rules: Sequence[BlockOn], left: pd.DataFrame, right: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The union of every rule's pairs, each pair once, as (left positions, right positions).

    Left rows a settling rule pairs get no pairs from the rules that skip settled rows.
    """
    return Blocker(rules, CodeBook(left, right)).pairs(0, len(left))


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
