"""Resolution: keep the best candidate per row and flag rows whose runner-up is too close."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.inference import AUTO, NONE, REVIEW
from matching.settings import LinkageSpec
from matching.training import ModelParameters


@dataclass
class Resolved:
    """The outcome of ``resolve_arrays``: which pairs are best, and what resolution adds to them."""

    rows: np.ndarray  # positions of the best pairs, best weight first (then left, right row)
    runner_up: np.ndarray  # weight of the best rival in another group (NaN: none)
    ambiguous: np.ndarray
    probability: np.ndarray | None  # the record posterior (None: keep the pair's)
    status: np.ndarray | None  # decided on the record posterior (None: keep the pair's)

    def frame(self, best: pd.DataFrame) -> pd.DataFrame:
        """``best`` (the pairs at ``rows``) with the resolution's columns, as ``resolve`` returns."""
        best = best.reset_index(drop=True)
        best["runner_up"] = self.runner_up
        best["ambiguous"] = self.ambiguous
        best["pair_probability"] = best["probability"]
        if self.probability is not None:
            best["probability"] = self.probability
            best["status"] = self.status
        demote = best["ambiguous"] & (best["status"] == AUTO)
        best.loc[demote, "status"] = REVIEW
        return best


def resolve(
    pairs: pd.DataFrame, spec: LinkageSpec, group: str | None = None,
    params: ModelParameters | None = None, pi: float | None = None,
) -> pd.DataFrame:
    """One row per left record: its best pair; ``ambiguous`` when a rival is within the margin.

    ``pairs`` has columns li, ri, weight, probability, status. ``group`` names a column of the
    pairs (e.g. the household) so rivals in the same group are not counted as ambiguity.
    With ``spec.one_to_one == "both"`` each right row is also used at most once (greedy by weight).
    With ``spec.record_posterior`` and ``params``, probability and status are re-decided by
    ``record_posterior`` (the pairwise probability is kept as ``pair_probability``); ``pi``
    is its ``candidate_share`` when ``pairs`` are a slice of the records' pairs (None: from ``pairs``).
    """
    if pairs.empty:
        return pairs.assign(ambiguous=pd.Series(dtype=bool), runner_up=pd.Series(dtype=float))
    li, ri = pairs["li"].to_numpy(), pairs["ri"].to_numpy()
    if len(li) > 1 and not ((li[1:] > li[:-1]) | ((li[1:] == li[:-1]) & (ri[1:] >= ri[:-1]))).all():
        pairs = pairs.take(np.lexsort((ri, li)))
    out = resolve_arrays(pairs["li"].to_numpy(), pairs["ri"].to_numpy(), pairs["weight"].to_numpy(),
                         pairs["probability"].to_numpy(),
                         pairs[group].to_numpy() if group else None, spec, params, pi)
    return out.frame(pairs.take(out.rows))


def resolve_arrays(
    li: np.ndarray, ri: np.ndarray, weight: np.ndarray, prob: np.ndarray, groups: np.ndarray | None,
    spec: LinkageSpec, params: ModelParameters | None = None, pi: float | None = None,
) -> Resolved:
    """``resolve`` on arrays of pairs sorted by left then right row (a record's pairs together).

    Array work per record segment instead of pandas sorts and merges over every pair; the
    record posterior's sums still go through pandas' group sum, in the same order as before,
    so the probabilities are the same to the last bit.
    """
    n = len(li)
    starts = np.flatnonzero(np.concatenate([[True], li[1:] != li[:-1]]))
    sizes = np.diff(np.append(starts, n))
    segment = np.repeat(np.arange(len(starts)), sizes)
    # Each record's pairs by weight, then right row (stable on the right-row order given).
    within = np.lexsort((-weight, li))
    if spec.one_to_one == "both":
        chosen = _greedy_both(li, ri, np.lexsort((ri, li, -weight)))
    else:
        chosen = within[starts]
    rows = chosen[np.lexsort((ri[chosen], li[chosen], -weight[chosen]))]
    best_of = np.full(len(starts), -1, dtype=np.int64)  # best pair of each record's segment
    best_of[segment[rows]] = rows
    has_best = best_of[segment] >= 0
    mine = best_of[segment]
    rival = has_best & (ri != ri[mine])
    if groups is not None:
        rival &= groups != groups[mine]
    # A rival counts when it is a plausible match itself, or as likely as the best within the
    # margin: two 张伟 of one village without an ID are both weak, and equally so.
    rival &= (prob >= spec.review_threshold) | (weight >= weight[mine] - spec.ambiguity_margin)
    top_rival = np.maximum.reduceat(np.where(rival, weight, -np.inf), starts)
    runner_up = np.where(np.isfinite(top_rival), top_rival, np.nan)[segment[rows]]
    ambiguous = (weight[rows] - runner_up) < spec.ambiguity_margin
    if not (spec.record_posterior and params is not None):
        return Resolved(rows, runner_up, ambiguous, None, None)
    if spec.one_to_one == "both":
        # The posterior over the one pair each record keeps, as the greedy leaves them.
        kept = np.sort(rows)
        ones = np.arange(len(kept))
        post, anyone = record_posterior(li[kept], weight[kept], np.ones(len(kept), dtype=bool), ones,
                                        np.ones(len(kept), dtype=np.int64), ones, params, pi)
        post, anyone = post[np.searchsorted(kept, rows)], anyone[np.searchsorted(kept, rows)]
    else:
        same = (groups == groups[mine]) if groups is not None else (ri == ri[mine])
        post, anyone = record_posterior(li, weight, same & has_best, starts, sizes, within, params, pi)
        post, anyone = post[segment[rows]], anyone[segment[rows]]
    # Probably someone on the roster but not surely this one: a person should look.
    auto_from = np.full(len(rows), spec.auto_threshold)
    if spec.sole_candidate_threshold is not None:
        # No rival anywhere near: the record posterior is the only doubt left.
        auto_from[np.isnan(runner_up)] = spec.sole_candidate_threshold
    status = np.where(post >= auto_from, AUTO, np.where(anyone >= spec.review_threshold, REVIEW, NONE))
    return Resolved(rows, runner_up, ambiguous, post, status)


def candidate_share(params: ModelParameters, n_pairs: int, n_records: int) -> float:
    """pi of ``record_posterior``: the share of records with a true match among their candidates."""
    return float(np.clip(params.match_rate * n_pairs / n_records, 1e-6, 1 - 1e-6))


def record_posterior(
    li: np.ndarray, weight: np.ndarray, same: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
    within: np.ndarray, params: ModelParameters, pi: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per record segment: P(the record is the best candidate's person, or household with
    groups) among all its candidates, given that it is at most one of them; and P(it is any).

    Pairwise Fellegi-Sunter scores each pair alone; a record with a single name-alike in its
    village is surer than one with three. With pi the share of records that have a true match
    among their n candidates (from the EM match rate), each candidate's prior is pi/n and
    P(k) = (pi/n) BF_k / ((1 - pi) + (pi/n) sum_j BF_j), BF being the pair's Bayes factor.
    ``same`` marks the pairs that count for the best candidate; ``within`` orders each
    record's pairs by weight for the sums.
    """
    if pi is None:
        pi = candidate_share(params, len(li), len(starts))
    counts = np.repeat(sizes, sizes)
    log_bf = (weight - params.prior_weight) * np.log(2)
    a = np.log(pi / counts) + log_bf
    top = np.maximum(np.maximum.reduceat(a, starts), np.log1p(-pi))
    e = np.exp(a - np.repeat(top, sizes))
    e_same = np.where(same, e, 0.0)
    sums = compensated_sums(np.stack([e[within], e_same[within]], axis=1), starts, sizes)
    none = np.exp(np.log1p(-pi) - top)
    total = sums[:, 0] + none
    return sums[:, 1] / total, sums[:, 0] / total


def compensated_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per segment of rows (``starts``, ``sizes``), the Kahan-compensated sum of each column,
    adding the rows in order: pandas' Cython groupby sum, which the record posterior has always
    used, so probabilities stay the same to the last bit (pandas itself switches to pairwise
    sums when the group labels come sorted).

    One array step per position within a segment, over every segment that long (longest
    first), while many are; the few longest segments' tails are then added one by one.
    """
    by_size = np.argsort(-sizes, kind="stable")
    descending = sizes[by_size]
    longer_than = np.searchsorted(-descending, -np.arange(int(descending[0]) if len(sizes) else 0), "left")
    total = np.zeros((len(sizes), values.shape[1]))
    compensation = np.zeros_like(total)
    k = 0
    for k, active in enumerate(longer_than.tolist()):
        if active < _FEW:
            break
        seg = by_size[:active]
        y = values[starts[seg] + k] - compensation[seg]
        t = total[seg] + y
        c = t - total[seg] - y
        c[c != c] = 0.0  # pandas resets a NaN compensation (an infinite value)
        compensation[seg] = c
        total[seg] = t
    else:
        return total
    for g in by_size[:active].tolist():  # Python floats are the same IEEE doubles
        for j in range(values.shape[1]):
            acc, comp = float(total[g, j]), float(compensation[g, j])
            for v in values[starts[g] + k: starts[g] + sizes[g], j].tolist():
                y = v - comp
                t = acc + y
                comp = t - acc - y
                if comp != comp:
                    comp = 0.0
                acc = t
            total[g, j] = acc
    return total


_FEW = 64  # below this many segments still open, a Python loop beats an array step


def _greedy_both(li: np.ndarray, ri: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """Positions (in ``ranked`` order) of the pairs kept when each left and right row is used once."""
    used_l: set[int] = set()
    used_r: set[int] = set()
    keep = []
    for k, l_, r_ in zip(ranked.tolist(), li[ranked].tolist(), ri[ranked].tolist()):
        if l_ in used_l or r_ in used_r:
            continue
        used_l.add(l_)
        used_r.add(r_)
        keep.append(k)
    return np.array(keep, dtype=np.int64)
