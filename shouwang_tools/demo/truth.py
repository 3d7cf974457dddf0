"""Ground truth of a generated county (docs/reference.md "Demo county and ground truth").

links.csv, warnings.csv, alerts.csv and quarantine.csv as specified there; and three more that
tests and connectors use: mess.csv (every planted mess, by cell), files.csv (each file's layout)
and ongoing.csv (risk rows repeated from the month before). None holds an ID or a phone.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shouwang_tools.demo.layout import FeedFile
from shouwang_tools.demo.shocks import RATE
from shouwang_tools.demo.table import FeedTable

LINKS = ["department", "source_file", "source_row", "household_no", "member", "kind"]
WARNINGS = [
    "household_no", "lead_township", "lead_village", "risk_type", "level",
    "department", "source_file", "source_row",
]
ALERTS = ["township", "village", "risk_type", "households", "kind"]
QUARANTINE = ["department", "source_file", "source_row", "reason"]
MESS = ["department", "source_file", "source_row", "column", "kind"]
ONGOING = ["department", "source_file", "source_row", "household_no", "risk_type", "first_period"]
FILES = [
    "department", "source_file", "format", "encoding", "title_row", "header_row",
    "first_data_row", "last_data_row", "totals_row", "records", "place_style", "ids_as_numbers",
]


@dataclass(frozen=True)
class Truth:
    """The truth tables of one generated period."""

    links: pd.DataFrame
    warnings: pd.DataFrame
    alerts: pd.DataFrame
    quarantine: pd.DataFrame
    mess: pd.DataFrame
    ongoing: pd.DataFrame
    files: pd.DataFrame

    def write(self, folder: Path) -> dict[str, Path]:
        """Write every table as UTF-8 CSV into `folder`; returns name → path."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in ("links", "warnings", "alerts", "quarantine", "mess", "ongoing", "files"):
            path = folder / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
            paths[name] = path
        return paths


def _per_row(table: FeedTable, feed: FeedFile) -> pd.DataFrame:
    """One row per body row of the file: its Excel row and the truth of its record."""
    rows = table.rows.iloc[feed.source].reset_index(drop=True)
    rows["source_row"] = feed.source_rows()
    rows["source_file"] = feed.file_name
    rows["department"] = table.department
    bad = np.zeros(len(table), dtype=bool)
    bad[[r for r, _, _ in table.bad]] = True
    on_roster = rows["on_roster"].to_numpy()
    kind = np.where(on_roster, "match", np.where(rows["lead"].to_numpy(), "lead", "stranger"))
    rows["kind"] = np.where(bad[feed.source], "bad", kind)
    rows["member"] = np.where(on_roster, rows["member"].astype(str), "")
    return rows


def _cells(table: FeedTable, feed: FeedFile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """mess.csv and quarantine.csv rows: each planted change at its Excel row and header."""
    first = ~feed.copy
    first_copy = {int(s): int(r) for s, r in zip(feed.source[first], feed.source_rows()[first])}
    copies = feed.source_rows()[feed.copy]
    mess = [
        (table.department, feed.file_name, first_copy[row], feed.heads[key].strip(), kind)
        for row, kind, key in table.mess
    ]
    mess += [(table.department, feed.file_name, int(r), "", "duplicate_row") for r in copies]
    mess += [
        (table.department, feed.file_name, first_copy[row], feed.heads[key].strip(), reason)
        for row, reason, key in table.bad
    ]
    quarantine = [
        (table.department, feed.file_name, first_copy[row], reason) for row, reason, _ in table.bad
    ]
    return pd.DataFrame(mess, columns=MESS), pd.DataFrame(quarantine, columns=QUARANTINE)


def _file_row(feed: FeedFile) -> dict:
    layout = feed.layout
    last = feed.first_data_row + len(feed.body) - 1
    return {
        "department": feed.department,
        "source_file": feed.file_name,
        "format": layout["format"],
        "encoding": layout.get("encoding", "") if layout["format"] == "csv" else "",
        "title_row": 1 if feed.title else "",
        "header_row": feed.first_data_row - 1,
        "first_data_row": feed.first_data_row,
        "last_data_row": last,
        "totals_row": last + 1 if feed.totals else "",
        "records": len(feed.body),
        "place_style": layout["place_style"],
        "ids_as_numbers": bool(layout.get("ids_as_numbers")),
    }


def planted_shocks(warnings: pd.DataFrame) -> pd.DataFrame:
    """One alert per planted shock this period: its roster households, in its village (blank when
    it spans villages), and its kind (event: one disaster or project; rate: improbably many of
    one risk type); rows carried from last month's shock are not a new one."""
    hit = warnings[(warnings["shock"] != "") & (warnings["kind"] == "match") & (warnings["ongoing_from"] == "")]
    rows = []
    for (shock, township, risk_type), group in hit.groupby(["shock", "township", "risk_type"]):
        villages = group["village"].unique()
        rows.append((township, villages[0] if len(villages) == 1 else "", risk_type,
                     group["household_no"].nunique(), "rate" if shock == RATE else "event"))
    alerts = pd.DataFrame(rows, columns=ALERTS)
    return alerts.sort_values(["township", "village", "risk_type"]).reset_index(drop=True)


def build_truth(pairs: list[tuple[FeedTable, FeedFile]]) -> Truth:
    """Every truth table for the files of one period."""
    rows = pd.concat([_per_row(t, f) for t, f in pairs], ignore_index=True)
    links = rows[LINKS]
    warned = rows[(rows["risk_type"] != "") & rows["kind"].isin(["match", "lead"])].copy()
    is_lead = warned["kind"] == "lead"
    warned["lead_township"] = np.where(is_lead, warned["township"], "")
    warned["lead_village"] = np.where(is_lead, warned["village"], "")
    alerts = planted_shocks(warned)
    ongoing = warned[warned["ongoing_from"] != ""].rename(columns={"ongoing_from": "first_period"})
    cells = [_cells(t, f) for t, f in pairs]
    return Truth(
        links=links.reset_index(drop=True),
        warnings=warned[WARNINGS].reset_index(drop=True),
        alerts=alerts,
        quarantine=pd.concat([q for _, q in cells], ignore_index=True),
        mess=pd.concat([m for m, _ in cells], ignore_index=True),
        ongoing=ongoing[ONGOING].reset_index(drop=True),
        files=pd.DataFrame([_file_row(f) for _, f in pairs], columns=FILES),
    )
