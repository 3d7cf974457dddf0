"""Link any two tables from a LinkageSpec: block, compare, train, predict, resolve."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matching.blocking import candidate_pairs
from matching.explain import explain
from matching.inference import band, match_weight, probability
from matching.resolution import resolve
from matching.settings import LinkageSpec
from matching.training import ModelParameters, comparison_vectors, train


@dataclass
class LinkResult:
    """Every candidate pair scored, the resolved best pair per left row, and the model."""

    pairs: pd.DataFrame  # li, ri, weight, probability, status (+ group column)
    best: pd.DataFrame  # one row per left row that had a candidate
    gamma: np.ndarray  # levels of every candidate pair, aligned with ``pairs``
    params: ModelParameters
    spec: LinkageSpec
    timings: dict = field(default_factory=dict)

    def explanation(self, pair_row: int) -> dict:
        """The explanation of candidate pair number ``pair_row`` (a position in ``pairs``)."""
        return explain(self.spec, self.params, self.gamma[pair_row])

    def linked(self, statuses: tuple[str, ...] = ("auto",)) -> pd.DataFrame:
        """Resolved pairs whose status is one of ``statuses``."""
        return self.best[self.best["status"].isin(statuses)]


def link_frames(
    left: pd.DataFrame,
    right: pd.DataFrame,
    spec: LinkageSpec,
    group: str | None = None,
    params: ModelParameters | None = None,
) -> LinkResult:
    """Link ``left`` rows to ``right`` rows; ``group`` names a right column that makes rivals equal.

    Pass ``params`` to score with an already trained model instead of training on this data.
    """
    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)
    t0 = time.perf_counter()
    li, ri = candidate_pairs(spec.blocking_rules, left, right)
    t1 = time.perf_counter()
    gamma = comparison_vectors(spec, left, right, li, ri)
    t2 = time.perf_counter()
    if params is None:
        params = train(spec, left, right, gamma)
    t3 = time.perf_counter()
    weight = match_weight(params, gamma)
    prob = probability(weight)
    pairs = pd.DataFrame({"li": li, "ri": ri, "weight": weight, "probability": prob,
                          "status": band(spec, prob), "pair_row": np.arange(len(li))})
    if group:
        pairs[group] = right[group].to_numpy()[ri]
    best = resolve(pairs, spec, group=group, params=params)
    t4 = time.perf_counter()
    timings = {"blocking": t1 - t0, "comparing": t2 - t1, "training": t3 - t2,
               "predicting": t4 - t3, "candidate_pairs": int(len(li))}
    return LinkResult(pairs, best, gamma, params, spec, timings)
