"""How a department lays out its file: shuffled headers, an extra column, a title line above the
header, duplicate copies in place and a 合计 totals row; and which Excel row each record lands on."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shouwang_tools.demo import names
from shouwang_tools.demo.table import FeedTable


@dataclass(frozen=True)
class FeedFile:
    """A department file ready to write: cells in final order and where each record sits."""

    department: str
    file_name: str
    layout: dict
    title: str | None
    header: list[str]
    heads: dict[str, str]  # column key → header text
    body: list[tuple]
    totals: list | None
    source: np.ndarray  # per body row: the table row it came from
    copy: np.ndarray  # per body row: True for the second of an exact duplicate

    @property
    def first_data_row(self) -> int:
        """The Excel row (1-based) of the first record: after the title and header lines."""
        return 2 + (self.title is not None)

    def source_rows(self) -> np.ndarray:
        """The Excel row number of every body row."""
        return np.arange(len(self.body)) + self.first_data_row


def file_name(department: str, layout: dict, period: str) -> str:
    """<dept>_<YYYY-MM>.<ext>, the department named as a module or in Chinese (FEEDS.md)."""
    return f"{layout['stem']}_{period}.{layout['format']}"


def _headers(table: FeedTable) -> dict[str, str]:
    layout = table.layout
    heads = {"name": layout["person"][0], "resident_id": layout["person"][1]}
    if "guardian" in layout:
        heads["guardian_name"], heads["guardian_id"] = layout["guardian"]
    suffix = layout.get("header_suffix", "")
    for key, text in layout["headers"].items():
        heads[key] = text + suffix if key in table.amounts else text
    for key, text in zip(("township", "village", "group"), layout["address"]):
        heads[key] = text
    if layout.get("header_spaces"):
        # Some offices pad headers with spaces; the contract says readers must cope.
        heads = {k: (f" {v}" if i % 2 else f"{v} ") for i, (k, v) in enumerate(heads.items())}
    return heads


def _extra(column: str, n: int, county: str, rng: np.random.Generator) -> list:
    """Values of the one column the contract does not name."""
    if column == "序号":
        return list(range(1, n + 1))
    if column == "备注":
        return np.where(rng.random(n) < 0.1, "已核实", "").tolist()
    if column == "经办人":
        male = rng.random(3) < 0.5
        clerks = names.surnames(rng, 3) + names.given_names(rng, male)
        return clerks[rng.integers(0, 3, n)].tolist()
    return [f"{county}{column}"] * n


def _totals(table: FeedTable, order: list[str], first: str) -> list:
    """The 合计 row: a label in the first column and the sum of each amount column."""
    row: list = [""] * len(order)
    row[0] = first
    for key in table.amounts:
        total = float(np.nansum(np.array(table.typed[key], dtype=float)))
        cell = round(total, 2) if table.spreadsheet else f"{total:.2f}"
        if order.index(key):  # an amount in the first column keeps the 合计 label
            row[order.index(key)] = cell
    return row


def arrange(table: FeedTable, period: str, county: str, rng: np.random.Generator) -> FeedFile:
    """Lay the table out as its department does: column order, title, copies and totals."""
    layout = table.layout
    heads = _headers(table)
    keys = list(heads)
    order = [keys[i] for i in rng.permutation(len(keys))]
    n = len(table)
    columns = dict(table.columns)
    extra = layout.get("extra_column")
    if extra:
        columns["extra"] = _extra(extra, n, county, rng)
        heads["extra"] = extra
        order = ["extra"] + order if extra == "序号" else order + ["extra"]
    rows = list(zip(*(columns[k] for k in order)))
    dup = set(table.duplicates)
    source = np.repeat(np.arange(n), [2 if i in dup else 1 for i in range(n)])
    copy = np.zeros(len(source), dtype=bool)
    copy[1:] = source[1:] == source[:-1]
    title = None
    if layout.get("title"):
        start = period.split("-")
        title = layout["title"].format(county=county, year=start[0], month=int(start[1]))
    totals = _totals(table, order, "合计") if layout.get("totals") else None
    return FeedFile(
        department=table.department,
        file_name=file_name(table.department, layout, period),
        layout=layout,
        title=title,
        header=[heads[k] for k in order],
        heads=heads,
        body=[rows[i] for i in source],
        totals=totals,
        source=source,
        copy=copy,
    )
