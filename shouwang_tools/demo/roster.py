"""The 花名册 roster export: one row per person of the roster households (FEEDS.md columns)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from shouwang_tools.demo.population import Population
from shouwang_tools.demo.writers import write_csv_rows

HEADERS = {
    "household_no": "户编号", "county": "县", "township": "乡镇", "village": "村", "group": "组",
    "household_type": "户类型", "risk_status": "风险状态", "income_per_capita": "人均纯收入",
    "household_size": "家庭人口", "name": "姓名", "resident_id": "身份证号", "relation": "与户主关系",
    "sex": "性别", "phone": "联系电话", "labour_capacity": "劳动能力",
}


def roster_columns(pop: Population, county: str) -> dict[str, list]:
    """The roster's columns (canonical names → cells), in household then member order."""
    pids = np.flatnonzero(pop.person("on_roster"))
    hid = pop.person("hid")[pids]
    village = pop.person("village_idx")[pids]
    vil = pop.villages
    cells = {
        "household_no": pop.person("household_no")[pids],
        "county": np.full(len(pids), county, dtype=object),
        "township": vil["township"].to_numpy()[village],
        "village": vil["village"].to_numpy()[village],
        "group": np.char.add(pop.person("group")[pids].astype(str), "组"),
        "household_type": pop.household("household_type")[hid],
        "risk_status": pop.household("risk_status")[hid],
        "income_per_capita": pop.household("income_per_capita")[hid].astype(int),
        "household_size": pop.household("household_size")[hid],
    }
    for key in ("name", "resident_id", "relation", "sex", "phone", "labour_capacity"):
        cells[key] = pop.person(key)[pids]
    return {key: values.tolist() for key, values in cells.items()}


def write_roster(pop: Population, county: str, path: Path, encoding: str) -> int:
    """Write roster.csv (FEEDS.md headers) in the given encoding; returns the person rows."""
    cells = roster_columns(pop, county)
    lines = [[HEADERS[k] for k in cells]] + list(zip(*cells.values()))
    write_csv_rows(path, lines, encoding)
    return len(lines) - 1
