"""A period's feed rows before they become files: who, which values, which planted risk."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shouwang_tools.demo import departments as dep
from shouwang_tools.demo import selection as sel
from shouwang_tools.demo.population import Population
from shouwang_tools.demo.settings import stream
from shouwang_tools.demo.shocks import rate_cluster


@dataclass(frozen=True)
class PeriodPlan:
    """Per department, one row per feed record (pid, field values, planted risk), plus the flood."""

    period: str
    rows: dict[str, pd.DataFrame]
    flood_village: int  # index into Population.villages


def _lead_counts(households: int, cfg: dict) -> dict[str, int]:
    """How many leads each lead department carries, spread round-robin."""
    total = max(cfg["minimum"], round(households * cfg["per_1000_households"] / 1000))
    depts = cfg["departments"]
    return {d: total // len(depts) + (i < total % len(depts)) for i, d in enumerate(depts)}


def _new_rows(
    pop: Population, period: str, seed: int, cfg: dict, county: str, as_of: dt.date
) -> PeriodPlan:
    """This period's fresh records (no ongoing ones), fixed by seed and period."""
    start = sel.period_start(period)
    info = dep.PeriodInfo(period, start, county, sel.ages_on(pop, start), as_of)
    leads = _lead_counts(int(pop.households["on_roster"].sum()), cfg["leads"])
    rows, flood_village = {}, -1
    for name, layout in cfg["departments"].items():
        rng = stream(seed, "plan", period, name)
        spec = cfg["values"][name]
        pids = sel.sample(pop, layout["volume"], info.ages, rng)
        cluster = None
        if name == "emergency":
            cluster, flood_village = dep.flood_cluster(
                pop, cfg["alerts"]["flood_cluster_households"], spec, info, rng
            )
            pids = np.setdiff1d(pids, cluster["pid"].to_numpy())
        frame = pd.DataFrame({"pid": pids})
        eligible = dep.compulsory_dropout_age(pop, spec, info, pids) if name == "education" else None
        frame = sel.plant(frame, pop, spec["risks"], layout["risk_share"], rng, eligible)
        if leads.get(name):
            candidates = sel.pool(pop, layout["volume"]["of"], info.ages)
            frame = sel.add_leads(frame, pop, leads[name], candidates, spec["risks"][0], rng)
        rate = cfg.get("rate_shock")
        if rate and rate["department"] == name:
            frame = rate_cluster(frame, pop, spec["risks"], rate["households"],
                                 stream(seed, "rate_shock", period))
        frame = dep.BUILDERS[name](frame, pop, spec, info, rng)
        if cluster is not None:
            frame = pd.concat([frame, cluster], ignore_index=True)
        rows[name] = frame
    return PeriodPlan(period, rows, flood_village)


def plan_period(
    pop: Population, period: str, seed: int, cfg: dict, county: str, as_of: dt.date
) -> PeriodPlan:
    """This period's records: fresh ones plus a share of last period's risk rows still ongoing."""
    fresh = _new_rows(pop, period, seed, cfg, county, as_of)
    before = sel.previous_period(period)
    previous = _new_rows(pop, before, seed, cfg, county, as_of)
    rows = {}
    for name, frame in fresh.rows.items():
        rng = stream(seed, "ongoing", period, name)
        merged = sel.continue_ongoing(frame, previous.rows[name], before, cfg["ongoing_share"], rng)
        village = pop.person("village_idx")[merged["pid"].to_numpy()]
        # Departments list their rows by place, as exported from their systems.
        order = np.lexsort((merged["pid"].to_numpy(), village))
        rows[name] = merged.iloc[order].reset_index(drop=True)
    return PeriodPlan(period, rows, fresh.flood_village)
