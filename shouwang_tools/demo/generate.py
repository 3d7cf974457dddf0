"""`generate_county`: a synthetic demo county — roster, grid ledger, messy department feeds, ground truth.

The same seed gives the same county and the same files (for the current month, the same day too:
no event is dated in the future); another period of the same seed keeps the roster and carries
part of the previous month's risk events on (see truth/ongoing.csv).
"""
from __future__ import annotations

import copy
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from screening.rules import load_rules
from shouwang import config
from shouwang_tools.demo import mess
from shouwang_tools.demo.grids import FILE_NAME as GRID_FILE
from shouwang_tools.demo.grids import write_grid_ledger
from shouwang_tools.demo.layout import arrange
from shouwang_tools.demo.plan import plan_period
from shouwang_tools.demo.population import build_population
from shouwang_tools.demo.roster import write_roster
from shouwang_tools.demo.roster_truth import with_roster_risks
from shouwang_tools.demo.settings import demo_settings, stream
from shouwang_tools.demo.table import build_table
from shouwang_tools.demo.truth import build_truth
from shouwang_tools.demo.writers import write_feed

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class GeneratedCounty:
    """Where a generated county was written, and how much of everything it holds."""

    out: Path
    period: str
    seed: int
    roster: Path
    grid_ledger: Path  # 网格台账.xlsx beside the roster
    landing: Path
    feeds: dict[str, Path]  # department → file
    truth: dict[str, Path]  # links, warnings, alerts, quarantine, mess, ongoing, files
    households: int
    persons: int
    townships: int
    villages: int
    feed_rows: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    leads: int = 0
    alerts: int = 0
    quarantined: int = 0
    seconds: float = 0.0

    def summary(self) -> dict:
        """Counts and paths only (no personal data): safe to print and log."""
        return {
            "out": str(self.out), "period": self.period, "seed": self.seed,
            "households": self.households, "persons": self.persons,
            "townships": self.townships, "villages": self.villages,
            "feed_rows": dict(self.feed_rows), "warnings": self.warnings, "leads": self.leads,
            "alerts": self.alerts, "quarantined": self.quarantined, "seconds": round(self.seconds, 2),
        }


def check_period(period: str) -> str:
    """The period if it is YYYY-MM, else a ValueError saying what to pass."""
    if not PERIOD.fullmatch(period or ""):
        raise ValueError(f"period {period!r} is not YYYY-MM (for example 2026-10)")
    return period


def scaled_volumes(cfg: dict, scale: float) -> dict:
    """demo.yaml settings with every department's volume share times ``scale`` (a copy)."""
    if scale == 1:
        return cfg
    out = copy.deepcopy(cfg)
    for layout in out["departments"].values():
        layout["volume"]["share"] = min(1.0, layout["volume"]["share"] * scale)
    return out


def generate_county(
    households: int,
    period: str,
    out: Path | str,
    seed: int = 1,
    townships: int | None = None,
    as_of: dt.date | None = None,
    feed_scale: float = 1.0,
) -> GeneratedCounty:
    """Write DIR/roster.csv, DIR/网格台账.xlsx, DIR/landing/<dept>_<period>.<ext> and DIR/truth/*.csv for a county.

    Event dates in the current month stop at `as_of` (default today); for past months the
    files depend on the seed alone. ``feed_scale`` multiplies every department's volume share
    (a department never names a person twice, so a share stops at its whole pool).
    """
    started = time.perf_counter()
    check_period(period)
    if households < 20:
        raise ValueError(f"households must be at least 20 (one villager group), got {households}")
    if townships is not None and not 1 <= townships <= 99:
        raise ValueError(f"townships must be between 1 and 99 (two digits of 户编号), got {townships}")
    if not feed_scale > 0:
        raise ValueError(f"feed scale must be above 0, got {feed_scale}")
    cfg = scaled_volumes(demo_settings(), feed_scale)
    county = config.settings()["county"]
    out = Path(out)
    landing = out / "landing"
    landing.mkdir(parents=True, exist_ok=True)

    pop = build_population(households, str(county["code"]), cfg["county"], stream(seed, "population"), townships)
    plan = plan_period(pop, period, seed, cfg, county["name"], as_of or dt.date.today())
    tables = []
    for name, layout in cfg["departments"].items():
        table = build_table(name, layout, plan.rows[name], pop, stream(seed, "table", period, name))
        table.homophones = cfg["homophones"]
        mess.apply_mess(table, cfg, period, stream(seed, "mess", period, name))
        tables.append(table)
    ensure_rng = stream(seed, "ensure", period)
    for kind in cfg["mess"]:
        mess.ensure_kind(tables, kind, ensure_rng)
    pairs = [(t, arrange(t, period, county["name"], stream(seed, "layout", period, t.department))) for t in tables]

    roster = out / cfg["roster"]["file"]
    write_roster(pop, county["name"], roster, cfg["roster"]["encoding"])
    ledger = write_grid_ledger(pop, out / GRID_FILE, stream(seed, "grids"), cfg["county"]["phone_prefixes"])
    feeds = {table.department: write_feed(feed, landing) for table, feed in pairs}
    rules = load_rules(config.settings(), period)  # the roster's own risks follow its thresholds
    truth = with_roster_risks(build_truth(pairs), pop, pairs, rules.parameters, roster.name)
    truth_paths = truth.write(out / "truth")
    roster_persons = pop.persons["on_roster"]
    return GeneratedCounty(
        out=out,
        period=period,
        seed=seed,
        roster=roster,
        grid_ledger=ledger.path,
        landing=landing,
        feeds=feeds,
        truth=truth_paths,
        households=int(pop.households["on_roster"].sum()),
        persons=int(roster_persons.sum()),
        townships=int(pop.villages["township"].nunique()),
        villages=len(pop.villages),
        feed_rows={f.department: len(f.body) for _, f in pairs},
        warnings=len(truth.warnings),
        leads=int((truth.warnings["household_no"] == "").sum()),
        alerts=len(truth.alerts),
        quarantined=len(truth.quarantine),
        seconds=time.perf_counter() - started,
    )
