"""A department's rows as file cells, before the mess: person, address and field columns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shouwang_tools.demo import formats
from shouwang_tools.demo.population import Population

SPREADSHEETS = ("xlsx", "xls")


@dataclass
class FeedTable:
    """Cells by column key, the truth of every row, and what was done to which cell."""

    department: str
    layout: dict
    columns: dict[str, list]  # column key → one cell per row
    rows: pd.DataFrame  # per row: pid, household_no, member, township, village, planted risk
    typed: dict[str, list]  # the clean amount and date values, for rewriting them messily
    amounts: list[str]
    dates: list[str]
    mess: list[tuple[int, str, str]] = field(default_factory=list)  # (row, kind, column key)
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, column key)
    duplicates: list[int] = field(default_factory=list)  # rows followed by an exact copy
    homophones: dict[str, str] = field(default_factory=dict)  # 丽 → 莉, for name mess
    touched: dict[str, set] = field(default_factory=dict)  # mess family → rows already changed

    def record(self, row: int, kind: str, key: str) -> None:
        """Note one planted change, so no row gets two of the same family (id, name, ...)."""
        self.mess.append((row, kind, key))
        self.touched.setdefault(kind.split("_", 1)[0], set()).add(row)

    @property
    def spreadsheet(self) -> bool:
        """True for xlsx/xls files (numbers and dates can be typed cells)."""
        return self.layout["format"] in SPREADSHEETS

    def __len__(self) -> int:
        return len(self.rows)


def _places(pids: np.ndarray, pop: Population, style: str, rng: np.random.Generator) -> tuple:
    """Township and village cells in the file's style; rows written short when mixed."""
    village = pop.person("village_idx")[pids]
    vil = pop.villages
    official = vil["township"].to_numpy()[village], vil["village"].to_numpy()[village]
    short = vil["township_short"].to_numpy()[village], vil["village_short"].to_numpy()[village]
    if style == "official":
        written_short = np.zeros(len(pids), dtype=bool)
    elif style == "short":
        written_short = np.ones(len(pids), dtype=bool)
    elif style == "mixed":
        written_short = rng.random(len(pids)) < 0.5
    else:
        raise ValueError(f"demo.yaml: place_style {style!r} is not official|short|mixed")
    township = np.where(written_short, short[0], official[0])
    village_cells = np.where(written_short, short[1], official[1])
    return official, township, village_cells, written_short


def build_table(
    name: str, layout: dict, plan_rows: pd.DataFrame, pop: Population, rng: np.random.Generator
) -> FeedTable:
    """Turn a department's planned rows into clean file cells plus per-row truth."""
    pids = plan_rows["pid"].to_numpy()
    spreadsheet = layout["format"] in SPREADSHEETS
    columns: dict[str, list] = {
        "name": pop.person("name")[pids].tolist(),
        "resident_id": pop.person("resident_id")[pids].tolist(),
    }
    if "guardian" in layout:
        gpid = plan_rows["guardian_pid"].to_numpy()
        has = (gpid >= 0) & (rng.random(len(gpid)) < 0.85)
        safe = np.where(gpid >= 0, gpid, 0)
        columns["guardian_name"] = np.where(gpid >= 0, pop.person("name")[safe], "").tolist()
        columns["guardian_id"] = np.where(has, pop.person("resident_id")[safe], "").tolist()
    amounts = list(layout.get("amounts", []))
    dates = list(layout.get("dates", []))
    date_style = layout.get("date_format", "iso")
    for key in layout["headers"]:
        values = plan_rows[key].to_numpy()
        if key in amounts:
            columns[key] = [formats.amount_cell(v, spreadsheet) for v in values.tolist()]
        elif key in dates:
            columns[key] = [formats.date_cell(v, date_style, spreadsheet) for v in values]
        elif key == "household_size":
            columns[key] = [int(v) for v in values]
        else:
            columns[key] = values.tolist()
    official, township, village, written_short = _places(pids, pop, layout["place_style"], rng)
    columns["township"], columns["village"] = township.tolist(), village.tolist()
    if "组" in layout["address"]:
        columns["group"] = [f"{g}组" for g in pop.person("group")[pids]]
    rows = pd.DataFrame(
        {
            "pid": pids,
            "household_no": pop.person("household_no")[pids],
            "member": pop.person("member")[pids],
            "on_roster": pop.person("on_roster")[pids],
            "township": official[0],
            "village": official[1],
            "risk_type": plan_rows["risk_type"].to_numpy(),
            "level": plan_rows["level"].to_numpy(),
            "lead": plan_rows["lead"].to_numpy(dtype=bool),
            "ongoing_from": plan_rows["ongoing_from"].to_numpy(),
            "shock": plan_rows.get("shock", pd.Series("", index=plan_rows.index)).fillna("").to_numpy(),
        }
    )
    typed = {key: plan_rows[key].tolist() for key in amounts + dates}
    table = FeedTable(name, layout, columns, rows, typed, amounts, dates)
    if layout["place_style"] == "mixed":
        for i in np.flatnonzero(written_short):
            table.record(int(i), "place_short", "township")
    return table
