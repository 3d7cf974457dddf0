"""The rate shock: one village's count of one risk type improbably high, with no event behind it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from shouwang_tools.demo.population import Population

RATE = "rate"  # the shock label truth/alerts.csv reads as kind "rate" (demo/truth.py)


def rate_cluster(
    frame: pd.DataFrame, pop: Population, risks: list[dict], households: int, rng: np.random.Generator
) -> pd.DataFrame:
    """``frame`` with ``households`` heads of one village's roster households carrying the
    department's first risk type (its variants in turn; the department's builder then gives
    each its own values and day): far more than is normal there, and no single event.

    Rows the frame already had for those persons are replaced.
    """
    kind = risks[0]["risk_type"]
    variants = [i for i, r in enumerate(risks) if r["risk_type"] == kind]
    heads = pop.households[pop.households["on_roster"]]
    counts = heads["village_idx"].value_counts()
    villages = np.sort(counts.index[counts >= households].to_numpy())
    village = int(rng.choice(villages)) if len(villages) else int(counts.idxmax())
    hit = heads[heads["village_idx"] == village]["head_pid"].to_numpy()
    pids = np.sort(rng.choice(hit, min(households, len(hit)), replace=False))
    variant = np.array(variants)[np.arange(len(pids)) % len(variants)]
    cluster = pd.DataFrame({
        "pid": pids, "risk_type": kind, "level": [risks[v]["level"] for v in variant],
        "variant": variant, "lead": False, "ongoing_from": "", "shock": RATE,
    })
    kept = frame[~frame["pid"].isin(pids)]
    if "shock" not in kept.columns:
        kept = kept.assign(shock="")
    return pd.concat([kept, cluster], ignore_index=True)
