"""Who appears in a department's feed: volumes, planted risks, leads and ongoing events."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from shouwang_tools.demo.population import Population

def period_start(period: str) -> dt.date:
    """First day of a YYYY-MM period."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def previous_period(period: str) -> str:
    """The month before a YYYY-MM period."""
    start = period_start(period) - dt.timedelta(days=1)
    return f"{start:%Y-%m}"


def ages_on(pop: Population, day: dt.date) -> np.ndarray:
    """Every person's age in whole years on `day`."""
    birth = pop.person("birth").astype("datetime64[D]")
    return ((np.datetime64(day) - birth).astype(np.int64) // 365.25).astype(int)


def pool(pop: Population, of: str, ages: np.ndarray) -> np.ndarray:
    """Person ids a feed can name: everyone, household heads, working age or school age."""
    persons = pop.persons
    if of == "persons":
        return persons.index.to_numpy()
    if of == "households":
        return pop.household("head_pid")
    if of == "working_age":
        return persons.index[(ages >= 18) & (ages <= 59)].to_numpy()
    if of == "school_age":
        return persons.index[(ages >= 6) & (ages <= 18)].to_numpy()
    raise ValueError(f"demo.yaml: unknown volume 'of: {of}' (persons|households|working_age|school_age)")


def sample(pop: Population, volume: dict, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The persons a feed names this period; volume shares are of roster counts (FEEDS volumes)."""
    candidates = pool(pop, volume["of"], ages)
    if volume["share"] >= 1:
        return np.sort(candidates)
    on_roster = pop.person("on_roster")[candidates].sum()
    n = min(len(candidates), max(1, round(on_roster * volume["share"])))
    return np.sort(rng.choice(candidates, n, replace=False))


def plant(
    frame: pd.DataFrame,
    pop: Population,
    risks: list[dict],
    share: float,
    rng: np.random.Generator,
    eligible: np.ndarray | None = None,
) -> pd.DataFrame:
    """Mark a share of roster rows with planted risks; every variant gets at least one row."""
    frame = frame.copy()
    frame["risk_type"], frame["level"], frame["variant"] = "", "", -1
    frame["lead"], frame["ongoing_from"] = False, ""
    on_roster = pop.person("on_roster")[frame["pid"].to_numpy()]
    ok = on_roster if eligible is None else on_roster & eligible
    rows = np.flatnonzero(ok)
    n = min(len(rows), max(len(risks), round(len(frame) * share)))
    chosen = rng.choice(rows, n, replace=False)
    variant = np.arange(n) % len(risks)
    frame.iloc[chosen, frame.columns.get_loc("variant")] = variant
    frame.iloc[chosen, frame.columns.get_loc("risk_type")] = [risks[v]["risk_type"] for v in variant]
    frame.iloc[chosen, frame.columns.get_loc("level")] = [risks[v]["level"] for v in variant]
    return frame


def add_leads(
    frame: pd.DataFrame,
    pop: Population,
    count: int,
    candidates: np.ndarray,
    risk: dict,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows with a serious risk about people not on the roster (应纳未纳 leads)."""
    taken = np.zeros(len(pop.persons), dtype=bool)
    taken[frame["pid"].to_numpy()] = True
    strangers = candidates[~pop.person("on_roster")[candidates] & ~taken[candidates]]
    pids = rng.choice(strangers, min(count, len(strangers)), replace=False)
    leads = pd.DataFrame(
        {"pid": pids, "risk_type": risk["risk_type"], "level": risk["level"], "variant": 0}
    )
    leads["lead"], leads["ongoing_from"] = True, ""
    return pd.concat([frame, leads], ignore_index=True)


def continue_ongoing(
    frame: pd.DataFrame, previous: pd.DataFrame, prev_period: str, share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Carry a share of last period's risk rows into this one, unchanged (an ongoing event)."""
    risky = previous[(previous["risk_type"] != "") & (previous["ongoing_from"] == "")]
    if risky.empty:
        return frame
    carried = risky[rng.random(len(risky)) < share].copy()
    carried["ongoing_from"] = prev_period
    kept = frame[~frame["pid"].isin(carried["pid"])]
    return pd.concat([kept, carried], ignore_index=True)
