"""Training: u from random pairs, then m, u and the match rate by expectation maximisation."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matching.arrays import CodeBook, distinct
from matching.settings import LinkageSpec

_EPS = 1e-6


@dataclass
class ModelParameters:
    """Fellegi-Sunter parameters: per comparison, m and u for each non-null level."""

    m: list[np.ndarray]
    u: list[np.ndarray]
    match_rate: float
    iterations: int = 0
    converged: bool = False
    history: list[float] = field(default_factory=list)  # match rate after each iteration

    def weights(self) -> list[np.ndarray]:
        """log2(m/u) per level: the bits each level adds to the match weight."""
        return [np.log2(m / u) for m, u in zip(self.m, self.u)]

    @property
    def prior_weight(self) -> float:
        """log2 of the prior odds that a candidate pair is a match."""
        return float(np.log2(self.match_rate / (1 - self.match_rate)))

    def as_dict(self, spec: LinkageSpec) -> dict:
        """Plain numbers per comparison and level, for logs and reports."""
        return {
            "match_rate": self.match_rate,
            "iterations": self.iterations,
            "converged": self.converged,
            "comparisons": {
                c.name: {
                    lvl.name: {"m": float(m[k]), "u": float(u[k])}
                    for k, lvl in enumerate(c.levels)
                }
                for c, m, u in zip(spec.comparisons, self.m, self.u)
            },
        }


def comparison_vectors(
    spec: LinkageSpec, left: pd.DataFrame, right: pd.DataFrame, li: np.ndarray, ri: np.ndarray
) -> np.ndarray:
    """The (pairs × comparisons) matrix of levels, 0 meaning null."""
    graders = comparers(spec, CodeBook(left, right))
    return np.stack([g(li, ri) for g in graders], axis=1).astype(np.int8)


def comparers(spec: LinkageSpec, book: CodeBook) -> list:
    """Per comparison, a function grading any pairs of the book's frames."""
    if not spec.comparisons:
        raise ValueError("a linkage spec needs at least one comparison")
    return [c.prepare(book) for c in spec.comparisons]


def packed_levels(graders: list, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """``pack`` of the pairs' levels, built a comparison at a time (no pairs × comparisons matrix)."""
    out = np.zeros(len(li), dtype=np.int32 if len(graders) * _BITS < 31 else np.int64)
    for j, grade in enumerate(graders):
        out |= grade(li, ri).astype(out.dtype) << (j * _BITS)
    return out


def _level_shares(gamma: np.ndarray, spec: LinkageSpec, weights: np.ndarray) -> list[np.ndarray]:
    out = []
    for j, comp in enumerate(spec.comparisons):
        k = len(comp.levels)
        counts = np.bincount(gamma[:, j], weights=weights, minlength=k + 1)[1:]
        total = counts.sum()
        shares = counts / total if total > 0 else np.full(k, 1.0 / k)
        out.append(np.clip(shares, _EPS, 1.0))
    return out


def estimate_u_by_random_sampling(
    spec: LinkageSpec, left: pd.DataFrame, right: pd.DataFrame, only: frozenset[int] | None = None,
    book: CodeBook | None = None,
) -> dict[int, np.ndarray]:
    """u per level from random pairs (nearly all non-matches), for comparisons ``only``."""
    rng = np.random.default_rng(spec.seed)
    n = min(spec.u_random_pairs, len(left) * len(right))
    li = rng.integers(0, len(left), n)
    ri = rng.integers(0, len(right), n)
    wanted = range(len(spec.comparisons)) if only is None else sorted(only)
    out = {}
    book = CodeBook(left, right) if book is None else book
    for j in wanted:
        levels = spec.comparisons[j].prepare(book)(li, ri)
        k = len(spec.comparisons[j].levels)
        counts = np.bincount(levels, minlength=k + 1)[1:].astype(float)
        out[j] = np.clip(counts / counts.sum() if counts.sum() else np.full(k, 1.0 / k), _EPS, 1.0)
    return out


def default_m(spec: LinkageSpec) -> list[np.ndarray]:
    """Starting m: most matches agree fully, a few fall one level lower each time."""
    out = []
    for comp in spec.comparisons:
        k = len(comp.levels)
        raw = np.array([0.5 ** (3 * i) for i in range(k)])
        out.append(raw / raw.sum())
    return out


_BITS = 4  # levels per comparison stay below 16


def pack(gamma: np.ndarray) -> np.ndarray:
    """One integer per vector of levels (4 bits a comparison): EM and scoring need each
    distinct vector once, and a pair's levels then take 4 or 8 bytes instead of one per field."""
    return packed_levels([lambda li, ri, j=j: gamma[:, j] for j in range(gamma.shape[1])],
                         np.arange(len(gamma)), np.arange(len(gamma)))


def unpack(codes: np.ndarray, width: int) -> np.ndarray:
    """The (codes × width) levels of packed vectors."""
    shifts = np.arange(width, dtype=np.int64) * _BITS
    return ((codes.astype(np.int64)[:, None] >> shifts) & (2**_BITS - 1)).astype(np.int8)


def _patterns(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, _, counts = distinct(pack(gamma).astype(np.int64))
    return unpack(uniq, gamma.shape[1]), counts


def _log_likelihood(patterns: np.ndarray, probs: list[np.ndarray],
                    skip: frozenset[int] = frozenset()) -> np.ndarray:
    total = np.zeros(len(patterns))
    for j, p in enumerate(probs):
        if j in skip:
            continue
        lv = patterns[:, j]
        logp = np.concatenate([[0.0], np.log(p)])  # null level contributes nothing
        total += logp[lv]
    return total


def estimate_parameters_by_em(
    spec: LinkageSpec, gamma: np.ndarray, u_start: list[np.ndarray] | None = None,
    m_start: list[np.ndarray] | None = None, fixed_u: frozenset[int] = frozenset(),
) -> ModelParameters:
    """Fit m, u and the match rate of a two-class mixture to the candidate pairs' levels.

    Comparisons numbered in ``fixed_u`` keep u at ``u_start`` (u from random pairs, as Splink
    does for every comparison); the others refit u on the candidate pairs.
    """
    return em_on_patterns(spec, *_patterns(gamma), u_start, m_start, fixed_u)


def em_on_patterns(
    spec: LinkageSpec, patterns: np.ndarray, counts: np.ndarray,
    u_start: list[np.ndarray] | None = None, m_start: list[np.ndarray] | None = None,
    fixed_u: frozenset[int] = frozenset(),
) -> ModelParameters:
    """``estimate_parameters_by_em`` on distinct vectors of levels and how often each occurs."""
    m = [x.copy() for x in (m_start or default_m(spec))]
    u = [x.copy() for x in (u_start or _level_shares(patterns, spec, counts))]
    rate = spec.prior_match_rate
    params = ModelParameters(m, u, rate)
    # Term-frequency levels are not a field of their own: they refine another comparison's
    # exact level after EM (term_frequency_parameters), so they take no part in it.
    skip = term_frequency_columns(spec)
    for it in range(1, spec.em_max_iterations + 1):
        log_m = _log_likelihood(patterns, m, skip) + np.log(rate)
        log_u = _log_likelihood(patterns, u, skip) + np.log1p(-rate)
        post = 1.0 / (1.0 + np.exp(np.clip(log_u - log_m, -700, 700)))
        w_match = post * counts
        w_non = (1 - post) * counts
        new_rate = float(np.clip(w_match.sum() / counts.sum(), _EPS, 1 - _EPS))
        m = _level_shares(patterns, spec, w_match)
        u = [old if j in fixed_u else new
             for j, (old, new) in enumerate(zip(u, _level_shares(patterns, spec, w_non)))]
        params = ModelParameters(m, u, new_rate, it, False, params.history + [new_rate])
        if abs(new_rate - rate) < spec.em_tolerance:
            params.converged = True
            break
        rate = new_rate
    return params


def train(
    spec: LinkageSpec, left: pd.DataFrame, right: pd.DataFrame, gamma: np.ndarray
) -> ModelParameters:
    """EM on the candidate pairs; comparisons marked so keep u from random pairs."""
    return train_on_patterns(spec, left, right, *_patterns(gamma))


def train_on_patterns(
    spec: LinkageSpec, left: pd.DataFrame, right: pd.DataFrame, patterns: np.ndarray,
    counts: np.ndarray, book: CodeBook | None = None,
) -> ModelParameters:
    """``train`` from the distinct vectors of levels of the candidate pairs and their counts."""
    fixed = frozenset(j for j, c in enumerate(spec.comparisons) if c.u_from == "random_sampling")
    u0 = _level_shares(patterns, spec, counts)
    for j, u in estimate_u_by_random_sampling(spec, left, right, fixed, book).items():
        u0[j] = u
    params = em_on_patterns(spec, patterns, counts, u_start=u0,
                            m_start=anchored_m(spec, patterns, counts), fixed_u=fixed)
    return term_frequency_parameters(spec, params)


def term_frequency_columns(spec: LinkageSpec) -> frozenset[int]:
    """Positions of the term-frequency comparisons (u_from: term_frequency)."""
    return frozenset(j for j, c in enumerate(spec.comparisons) if c.u_from == "term_frequency")


def term_frequency_parameters(spec: LinkageSpec, params: ModelParameters) -> ModelParameters:
    """``params`` with each term-frequency comparison's m and u set so a level adds
    log2(u_exact / u_tf) bits (Splink's term-frequency adjustment): u is the level's u_tf,
    m the u the model learned for the exact level of the comparison it adjusts."""
    names = [c.name for c in spec.comparisons]
    for j in term_frequency_columns(spec):
        comp = spec.comparisons[j]
        if comp.of not in names:
            raise ValueError(f"term_frequency {comp.name!r} adjusts {comp.of!r}, which is not a "
                             f"comparison; use one of {names}")
        u_exact = float(params.u[names.index(comp.of)][0])
        params.u[j] = comp.representative_u.copy()
        params.m[j] = np.full(len(comp.levels), u_exact)
    return params


def anchored_m(
    spec: LinkageSpec, patterns: np.ndarray, counts: np.ndarray | None = None
) -> list[np.ndarray] | None:
    """Starting m from the pairs at the anchor comparison's top level (None: no anchor).

    ``patterns`` are vectors of levels, each standing for ``counts`` pairs (None: one each).
    """
    if spec.em_anchor is None:
        return None
    counts = np.ones(len(patterns), dtype=np.int64) if counts is None else counts
    j = [c.name for c in spec.comparisons].index(spec.em_anchor)
    sure = patterns[:, j] == 1
    if counts[sure].sum() == 0:
        return None
    m = _level_shares(patterns[sure], spec, counts[sure])
    m[j] = default_m(spec)[j]  # the anchor's own m cannot be read off pairs chosen by it
    return m
