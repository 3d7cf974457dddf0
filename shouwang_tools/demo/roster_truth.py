"""Ground truth of the risks read from the roster itself (issue 19), added to truth/warnings.csv.

They are not planted in one feed row: a household's 人均纯收入 under the warning band (其他),
or pushed under it by its members' large out-of-pocket medical or schooling costs in this
period's feeds (因病 / 因学, after the kind of the largest cost), a household where nobody is
able to work, and a working-age death or disabling injury (公安) that leaves nobody else able
to work. This module applies the rules YAML's thresholds (parameters
only, its own arithmetic) to what the generator wrote. Rows read from the roster cite the
roster file and the head's line; a 公安 consequence cites the 公安 row.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np
import pandas as pd

from shouwang_tools.demo.layout import FeedFile
from shouwang_tools.demo.population import Population
from shouwang_tools.demo.table import FeedTable
from shouwang_tools.demo.truth import WARNINGS, Truth


def _table_rows(table: FeedTable, feed: FeedFile) -> pd.DataFrame:
    """Each record's first copy in the file: its table row, Excel row, and whether it is bad."""
    first = ~feed.copy
    rows = pd.DataFrame({"row": feed.source[first], "source_row": feed.source_rows()[first]})
    bad = {r for r, _, _ in table.bad}
    rows["bad"] = rows["row"].isin(bad)
    rows["pid"] = table.rows["pid"].to_numpy()[rows["row"].to_numpy()]
    return rows


def _expenses(pairs: list[tuple[FeedTable, FeedFile]], pop: Population,
              deductions: list[dict]) -> dict[int, dict[str, float]]:
    """Per household and department: this period's costs of its members (a person's largest row)."""
    wanted = {d["department"]: d["field"] for d in deductions}
    per_person: dict[tuple[str, int], float] = {}
    for table, feed in pairs:
        field = wanted.get(table.department)
        if field is None:
            continue
        rows = _table_rows(table, feed)
        values = table.typed[field]
        for row, pid, bad in zip(rows["row"], rows["pid"], rows["bad"]):
            value = values[row]
            if bad or not pop.person("on_roster")[pid] or value is None or value != value:
                continue
            key = (table.department, int(pid))
            per_person[key] = max(per_person.get(key, 0.0), float(value))
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    hid = pop.person("hid")
    for (department, pid), value in per_person.items():
        out[int(hid[pid])][department] += value
    return out


def _deducted(costs: dict[str, float], deductions: list[dict]) -> tuple[float, str | None]:
    """The large costs' total (each kind at least its `min`) and the risk type of the largest."""
    large = {d["department"]: (costs.get(d["department"], 0.0), d["risk_type"]) for d in deductions
             if costs.get(d["department"], 0.0) >= d.get("min", 0)}
    if not large:
        return 0.0, None
    return sum(v for v, _ in large.values()), max(large.values(), key=lambda v: v[0])[1]


def roster_warnings(pop: Population, pairs: list[tuple[FeedTable, FeedFile]], params: dict,
                    roster_file: str) -> pd.DataFrame:
    """Truth rows (WARNINGS columns) of the roster's own risks and of 公安 deaths leaving no labour."""
    unable = set(params["labour"]["unable"])
    line, band = params["income"]["monitoring_line"], params["income"]["warning_band"]
    watched = set(params["roster"]["already_monitored"])
    roster_pids = np.flatnonzero(pop.person("on_roster"))
    hid_of = pop.person("hid")
    capacity = pop.person("labour_capacity")
    members: dict[int, list[int]] = defaultdict(list)
    line_of: dict[int, int] = {}
    for k, pid in enumerate(roster_pids.tolist()):
        h = int(hid_of[pid])
        members[h].append(pid)
        line_of.setdefault(h, k + 2)  # header on line 1; the head is the household's first line
    deductions = params["roster"]["deductions"]
    expenses = _expenses(pairs, pop, deductions)
    income, size = pop.household("income_per_capita"), pop.household("household_size")
    status, number = pop.household("risk_status"), pop.household("household_no")
    rows = []
    for h, pids in members.items():
        if status[h] in watched:
            continue
        total, cost_risk = _deducted(expenses.get(h, {}), deductions)
        after = float(income[h]) - total / max(int(size[h]), 1)
        level = "red" if after < line else "yellow" if after < band else None
        if level and float(income[h]) < band:
            rows.append((number[h], "other", level, "registry", roster_file, line_of[h]))
        if level and cost_risk:
            rows.append((number[h], cost_risk, level, "registry", roster_file, line_of[h]))
        if all(capacity[p] in unable for p in pids):
            rows.append((number[h], "labour", "yellow", "registry", roster_file, line_of[h]))
    rows += _accidents_leaving_no_labour(pop, pairs, members, unable)
    out = pd.DataFrame(rows, columns=["household_no", "risk_type", "level", "department",
                                      "source_file", "source_row"])
    out["lead_township"], out["lead_village"] = "", ""
    return out[WARNINGS]


def _accidents_leaving_no_labour(pop: Population, pairs, members: dict[int, list[int]],
                                 unable: set[str]) -> list[tuple]:
    """公安 accident rows (working age, planted) whose household has nobody else able to work."""
    capacity, hid_of, number = pop.person("labour_capacity"), pop.person("hid"), pop.household("household_no")
    out = []
    for table, feed in pairs:
        if table.department != "police":
            continue
        rows = _table_rows(table, feed)
        risk = table.rows["risk_type"].to_numpy()
        for row, pid, bad, source_row in zip(rows["row"], rows["pid"], rows["bad"], rows["source_row"]):
            if bad or risk[row] != "accident" or not pop.person("on_roster")[pid]:
                continue
            h = int(hid_of[pid])
            if not any(capacity[p] not in unable for p in members[h] if p != pid):
                out.append((number[h], "labour", "orange", "police", feed.file_name, int(source_row)))
    return out


def with_roster_risks(truth: Truth, pop: Population, pairs: list[tuple[FeedTable, FeedFile]],
                      params: dict, roster_file: str) -> Truth:
    """``truth`` with the roster's own risks appended to its warnings."""
    extra = roster_warnings(pop, pairs, params, roster_file)
    return dataclasses.replace(truth, warnings=pd.concat([truth.warnings, extra], ignore_index=True))
