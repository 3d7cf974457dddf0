"""Link any two tables from a LinkageSpec: block, compare, train, predict, resolve."""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from matching.arrays import CodeBook, distinct, distinct_counts
from matching.blocking import Blocker
from matching.explain import explain
from matching.inference import band, match_weight, probability
from matching.resolution import candidate_share, resolve, resolve_arrays
from matching.settings import LinkageSpec
from matching.training import ModelParameters, comparers, packed_levels, train_on_patterns, unpack


class PairSpill:
    """A temporary file where slices' pairs wait between training and resolution, so memory
    holds one slice at a time; the file goes when this object does (or on ``close``)."""

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="shouwang-pairs-")
        self._end = 0

    def put(self, array: np.ndarray) -> tuple[int, np.dtype, int]:
        """Append ``array``; where it lies, for ``get``."""
        data = np.ascontiguousarray(array)
        os.pwrite(self._file.fileno(), data.tobytes(), self._end)
        at = (self._end, data.dtype, len(data))
        self._end += data.nbytes
        return at

    def get(self, at: tuple[int, np.dtype, int]) -> np.ndarray:
        """The array stored at ``at`` (read-only)."""
        offset, dtype, n = at
        nbytes = n * dtype.itemsize
        data = os.pread(self._file.fileno(), nbytes, offset) if nbytes else b""
        if len(data) != nbytes:
            raise OSError(f"pair spill file: read {len(data)} of {nbytes} bytes at {offset}")
        return np.frombuffer(data, dtype=dtype)

    def close(self) -> None:
        """Remove the file now."""
        self._file.close()


@dataclass
class PairSlice:
    """The candidate pairs of left rows ``start`` to ``stop``, sorted by left then right row:
    how many each left row has, their right rows and their packed levels (training.pack),
    held in memory or in a ``PairSpill``."""

    start: int
    stop: int
    per_row: np.ndarray
    first_row: int  # position of the slice's first pair among all pairs
    n: int  # pairs in the slice
    _ri: np.ndarray | tuple
    _codes: np.ndarray | tuple
    _spill: PairSpill | None = None

    @classmethod
    def make(cls, start: int, stop: int, per_row: np.ndarray, ri: np.ndarray, codes: np.ndarray,
             first_row: int, spill: PairSpill | None = None) -> "PairSlice":
        """A slice of these pairs, written to ``spill`` if given."""
        if spill is None:
            return cls(start, stop, per_row, first_row, len(ri), ri, codes)
        return cls(start, stop, per_row, first_row, len(ri), spill.put(ri), spill.put(codes), spill)

    @property
    def ri(self) -> np.ndarray:
        """Right row of each pair."""
        return self._ri if self._spill is None else self._spill.get(self._ri)

    @property
    def codes(self) -> np.ndarray:
        """Packed levels of each pair."""
        return self._codes if self._spill is None else self._spill.get(self._codes)

    @property
    def li(self) -> np.ndarray:
        """Left row of each pair."""
        return np.repeat(np.arange(self.start, self.stop, dtype=np.int64), self.per_row)


@dataclass
class LinkResult:
    """The resolved best pair per left row, the model, and every candidate pair's levels."""

    best: pd.DataFrame  # one row per left row that had a candidate
    params: ModelParameters
    spec: LinkageSpec
    slices: list[PairSlice]
    patterns: np.ndarray  # distinct packed levels, sorted; weight etc. below are per pattern
    weight: np.ndarray
    group_values: np.ndarray | None = None  # the group column of the right rows
    group: str | None = None
    timings: dict = field(default_factory=dict)
    spill: PairSpill | None = None  # where slices beyond spec.memory_pairs wait
    _explanations: dict = field(default_factory=dict, repr=False)  # per pattern, built once

    @property
    def n_pairs(self) -> int:
        """How many candidate pairs were scored."""
        return sum(s.n for s in self.slices)

    def release(self) -> None:
        """Drop every candidate pair (memory and spill file); ``best`` and the model stay."""
        self.slices.clear()
        if self.spill is not None:
            self.spill.close()
            self.spill = None

    @property
    def gamma(self) -> np.ndarray:
        """Levels of every candidate pair (pairs × comparisons), aligned with ``pairs``."""
        return unpack(self._codes(), len(self.spec.comparisons))

    @property
    def pairs(self) -> pd.DataFrame:
        """Every candidate pair scored: li, ri, weight, probability, status, pair_row (+ group)."""
        return pd.concat([self.slice_frame(s) for s in self.slices], ignore_index=True) \
            if self.slices else self.slice_frame(None)

    def slice_frame(self, part: PairSlice | None, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The scored pairs of one slice (only those at ``rows``, if given) as a frame
        (``pattern``: the packed levels)."""
        li, ri, codes, pair_row = self._slice_arrays(part)
        if rows is not None:
            li, ri, codes, pair_row = li[rows], ri[rows], codes[rows], pair_row[rows]
        weight = self.weight[np.searchsorted(self.patterns, codes)]
        prob = probability(weight)
        frame = pd.DataFrame({"li": li, "ri": ri, "weight": weight, "probability": prob,
                              "status": band(self.spec, prob), "pair_row": pair_row, "pattern": codes})
        if self.group:
            frame[self.group] = self.group_values[ri]
        return frame

    @staticmethod
    def _slice_arrays(part: PairSlice | None) -> tuple[np.ndarray, ...]:
        if part is None:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty.astype(np.int32), empty
        pair_row = np.arange(part.first_row, part.first_row + part.n, dtype=np.int64)
        return part.li, part.ri.astype(np.int64), part.codes, pair_row

    def _codes(self) -> np.ndarray:
        return np.concatenate([s.codes for s in self.slices]) if self.slices else np.zeros(0, np.int32)

    def explanation(self, pair_row: int) -> dict:
        """The explanation of candidate pair number ``pair_row`` (a position in ``pairs``)."""
        part = next(s for s in self.slices if s.first_row <= pair_row < s.first_row + s.n)
        return self.pattern_explanation(int(part.codes[pair_row - part.first_row]))

    def pattern_explanation(self, pattern: int, share_terms: bool = False) -> dict:
        """The explanation of a pair with these packed levels, a fresh dict the caller may change
        (with ``share_terms`` its ``terms`` list is shared with other callers: do not change it)."""
        cache = self._explanations
        if pattern not in cache:
            levels = unpack(np.array([pattern]), len(self.spec.comparisons))[0]
            cache[pattern] = explain(self.spec, self.params, levels)
        out = dict(cache[pattern])
        if not share_terms:
            out["terms"] = [dict(t) for t in out["terms"]]
        return out

    def linked(self, statuses: tuple[str, ...] = ("auto",)) -> pd.DataFrame:
        """Resolved pairs whose status is one of ``statuses``."""
        return self.best[self.best["status"].isin(statuses)]


Exclude = Callable[[np.ndarray, np.ndarray], np.ndarray]


def link_frames(
    left: pd.DataFrame,
    right: pd.DataFrame,
    spec: LinkageSpec,
    group: str | None = None,
    params: ModelParameters | None = None,
    exclude: Exclude | None = None,
) -> LinkResult:
    """Link ``left`` rows to ``right`` rows; ``group`` names a right column that makes rivals equal.

    Pass ``params`` to score with an already trained model instead of training on this data.
    ``exclude(li, ri)`` marks pairs resolution must not use (a reviewer rejected them); they
    still train the model. Pairs are made, compared and resolved ``spec.chunk_pairs`` at a time
    (a slice of left rows), keeping only each pair's right row and packed levels in between:
    in memory up to ``spec.memory_pairs`` pairs, beyond that in a temporary file.
    """
    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)
    timings = {"blocking": 0.0, "comparing": 0.0}
    t0 = time.perf_counter()
    book = CodeBook(left, right)
    blocker = Blocker(spec.blocking_rules, book)
    graders = comparers(spec, book)
    timings["blocking"] += time.perf_counter() - t0
    slices, seen, total = [], [], 0
    spill = None
    for start, stop in blocker.slices(spec.chunk_pairs):
        t1 = time.perf_counter()
        li, ri = blocker.pairs(start, stop)
        t2 = time.perf_counter()
        codes = packed_levels(graders, li, ri)
        uniq, counts = distinct_counts(codes)
        seen.append((uniq, counts))
        per_row = np.bincount(li - start, minlength=stop - start).astype(np.int32)
        if spill is None and spec.memory_pairs is not None and total + len(ri) > spec.memory_pairs:
            spill = PairSpill()
        slices.append(PairSlice.make(start, stop, per_row, ri.astype(np.int32), codes, total, spill))
        total += len(ri)
        del li, ri
        t3 = time.perf_counter()
        timings["blocking"] += t2 - t1
        timings["comparing"] += t3 - t2
    t3 = time.perf_counter()
    patterns, counts = _merge_counts(seen, len(spec.comparisons))
    levels = unpack(patterns, len(spec.comparisons))
    if params is None:
        params = train_on_patterns(spec, left, right, levels, counts, book)
    del book, graders, blocker
    t4 = time.perf_counter()
    result = LinkResult(pd.DataFrame(), params, spec, slices, patterns, match_weight(params, levels),
                        right[group].to_numpy() if group else None, group, spill=spill)
    result.best = _resolve_slices(result, exclude)
    t5 = time.perf_counter()
    timings.update(training=t4 - t3, predicting=t5 - t4, candidate_pairs=int(total))
    result.timings = timings
    return result


def _merge_counts(seen: list, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct packed levels over every slice, sorted, with their total counts."""
    if not seen:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    uniq = np.concatenate([u for u, _ in seen])
    counts = np.concatenate([c for _, c in seen])
    patterns, inverse, _ = distinct(uniq)
    return patterns, np.bincount(inverse, weights=counts, minlength=len(patterns)).astype(np.int64)


def _resolve_slices(result: LinkResult, exclude: Exclude | None) -> pd.DataFrame:
    """Resolve slice by slice (each left row's pairs lie in one slice) on arrays, making frame
    rows only for the best pairs; one-to-one on both sides needs every pair at once."""
    spec = result.spec
    # Which pairs resolution may use (a slice is read back from a spill file only if needed).
    kept = [None if exclude is None
            else ~np.asarray(exclude(p.li, p.ri.astype(np.int64)), dtype=bool) for p in result.slices]
    n_pairs = sum(p.n if k is None else int(k.sum()) for p, k in zip(result.slices, kept))
    n_records = sum(int((p.per_row > 0).sum()) if k is None else len(np.unique(p.li[k]))
                    for p, k in zip(result.slices, kept))
    if not n_pairs:
        return resolve(result.slice_frame(None), spec, group=result.group, params=result.params)
    pi = candidate_share(result.params, n_pairs, n_records)
    parts = list(zip(result.slices, kept)) if spec.one_to_one == "left" else [(None, None)]
    frames = []
    for part, keep in parts:
        if part is None:  # every slice at once
            frame = pd.concat([result.slice_frame(p) if k is None else result.slice_frame(p)[k]
                               for p, k in zip(result.slices, kept)], ignore_index=True)
            # pi from the pairs the greedy keeps, as one resolution of every pair has it.
            frames.append(resolve(frame, spec, group=result.group, params=result.params))
            continue
        li, ri, codes, _ = result._slice_arrays(part)
        at = np.flatnonzero(keep) if keep is not None else np.arange(len(li))
        if not len(at):
            continue
        weight = result.weight[np.searchsorted(result.patterns, codes[at])]
        groups = result.group_values[ri[at]] if result.group else None
        out = resolve_arrays(li[at], ri[at], weight, probability(weight), groups, spec, result.params, pi)
        frames.append(out.frame(result.slice_frame(part, at[out.rows])))
    best = pd.concat(frames, ignore_index=True)
    if len(frames) > 1:
        # The order one resolution of every pair gives: by weight, then left and right row.
        best = best.take(np.lexsort((best["ri"].to_numpy(), best["li"].to_numpy(),
                                     -best["weight"].to_numpy()))).reset_index(drop=True)
    return best
