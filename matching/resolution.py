"""Resolution: keep the best candidate per row and flag rows whose runner-up is too close."""
from __future__ import annotations

import numpy as np
import pandas as pd

from matching.inference import AUTO, NONE, REVIEW
from matching.settings import LinkageSpec
from matching.training import ModelParameters


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
    # numpy's lexsort and array look-ups: pandas' sort and merge dominate on millions of pairs.
    li, ri = pairs["li"].to_numpy(), pairs["ri"].to_numpy()
    ranked = pairs.take(np.lexsort((ri, li, -pairs["weight"].to_numpy())))
    if spec.one_to_one == "both":
        ranked = _greedy_both(ranked)
    best = ranked.drop_duplicates("li", keep="first")
    best_of = pd.Series(np.arange(len(best)), index=best["li"].to_numpy())
    at = best_of.reindex(li).to_numpy()  # the row of each pair's record in ``best``
    has_best = ~np.isnan(at)
    at = np.where(has_best, at, 0).astype(np.int64)
    rival = has_best & (ri != best["ri"].to_numpy()[at])
    if group:
        rival &= pairs[group].to_numpy() != best[group].to_numpy()[at]
    rival &= pairs["probability"].to_numpy() >= spec.review_threshold
    runner = pairs.loc[rival].groupby("li")["weight"].max()
    best = best.set_index("li", drop=False)
    best["runner_up"] = runner.reindex(best.index)
    best["ambiguous"] = (best["weight"] - best["runner_up"]) < spec.ambiguity_margin
    best["pair_probability"] = best["probability"]
    if spec.record_posterior and params is not None:
        post, anyone = record_posterior(ranked, best, params, group, pi)
        best["probability"] = post
        # Probably someone on the roster but not surely this one: a person should look.
        auto_from = np.full(len(best), spec.auto_threshold)
        if spec.sole_candidate_threshold is not None:
            # No rival anywhere near: the record posterior is the only doubt left.
            auto_from[best["runner_up"].isna().to_numpy()] = spec.sole_candidate_threshold
        best["status"] = np.where(post >= auto_from, AUTO,
                                  np.where(anyone >= spec.review_threshold, REVIEW, NONE))
    demote = best["ambiguous"] & (best["status"] == AUTO)
    best.loc[demote, "status"] = REVIEW
    return best.reset_index(drop=True)


def candidate_share(params: ModelParameters, n_pairs: int, n_records: int) -> float:
    """pi of ``record_posterior``: the share of records with a true match among their candidates."""
    return float(np.clip(params.match_rate * n_pairs / n_records, 1e-6, 1 - 1e-6))


def record_posterior(
    pairs: pd.DataFrame, best: pd.DataFrame, params: ModelParameters, group: str | None,
    pi: float | None = None,
) -> tuple[pd.Series, pd.Series]:
    """P(the record is the best candidate's person, or household with ``group``) among all its
    candidates, given that it is at most one of them; and P(it is any of them).

    Pairwise Fellegi-Sunter scores each pair alone; a record with a single name-alike in its
    village is surer than one with three. With pi the share of records that have a true match
    among their n candidates (from the EM match rate), each candidate's prior is pi/n and
    P(k) = (pi/n) BF_k / ((1 - pi) + (pi/n) sum_j BF_j), BF being the pair's Bayes factor.
    """
    if pi is None:
        pi = candidate_share(params, len(pairs), pairs["li"].nunique())
    counts = pairs.groupby("li")["li"].transform("size").to_numpy()
    log_bf = (pairs["weight"].to_numpy() - params.prior_weight) * np.log(2)
    a = np.log(pi / counts) + log_bf
    frame = pd.DataFrame({"li": pairs["li"].to_numpy(), "a": a})
    if group:
        frame["same"] = pairs[group].to_numpy() == best[group].reindex(pairs["li"]).to_numpy()
    else:
        frame["same"] = pairs["ri"].to_numpy() == best["ri"].reindex(pairs["li"]).to_numpy()
    top = np.maximum(frame.groupby("li")["a"].transform("max").to_numpy(), np.log1p(-pi))
    frame["e"] = np.exp(frame["a"] - top)
    frame["e_same"] = np.where(frame["same"], frame["e"], 0.0)
    sums = frame.assign(top=top).groupby("li").agg(e=("e", "sum"), e_same=("e_same", "sum"),
                                                   top=("top", "first"))
    none = np.exp(np.log1p(-pi) - sums["top"])
    total = sums["e"] + none
    return (sums["e_same"] / total).reindex(best.index), (sums["e"] / total).reindex(best.index)


def _greedy_both(ranked: pd.DataFrame) -> pd.DataFrame:
    used_l: set[int] = set()
    used_r: set[int] = set()
    keep = np.zeros(len(ranked), dtype=bool)
    for k, (li, ri) in enumerate(zip(ranked["li"].to_numpy(), ranked["ri"].to_numpy())):
        if li in used_l or ri in used_r:
            continue
        used_l.add(li)
        used_r.add(ri)
        keep[k] = True
    return ranked[keep]
