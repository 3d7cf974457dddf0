"""Resolution: keep the best candidate per row and flag rows whose runner-up is too close."""
from __future__ import annotations

import numpy as np
import pandas as pd

from matching.inference import AUTO, REVIEW
from matching.settings import LinkageSpec


def resolve(pairs: pd.DataFrame, spec: LinkageSpec, group: str | None = None) -> pd.DataFrame:
    """One row per left record: its best pair; ``ambiguous`` when a rival is within the margin.

    ``pairs`` has columns li, ri, weight, probability, status. ``group`` names a column of the
    pairs (e.g. the household) so rivals in the same group are not counted as ambiguity.
    With ``spec.one_to_one == "both"`` each right row is also used at most once (greedy by weight).
    """
    if pairs.empty:
        return pairs.assign(ambiguous=pd.Series(dtype=bool), runner_up=pd.Series(dtype=float))
    ranked = pairs.sort_values(["weight", "li", "ri"], ascending=[False, True, True], kind="stable")
    if spec.one_to_one == "both":
        ranked = _greedy_both(ranked)
    best = ranked.drop_duplicates("li", keep="first")
    rivals = ranked.merge(best[["li", "ri"] + ([group] if group else [])], on="li",
                          suffixes=("", "_best"))
    rivals = rivals[rivals["ri"] != rivals["ri_best"]]
    if group:
        rivals = rivals[rivals[group] != rivals[f"{group}_best"]]
    rivals = rivals[rivals["probability"] >= spec.review_threshold]
    runner = rivals.groupby("li")["weight"].max()
    best = best.set_index("li", drop=False)
    best["runner_up"] = runner.reindex(best.index)
    best["ambiguous"] = (best["weight"] - best["runner_up"]) < spec.ambiguity_margin
    demote = best["ambiguous"] & (best["status"] == AUTO)
    best.loc[demote, "status"] = REVIEW
    return best.reset_index(drop=True)


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
