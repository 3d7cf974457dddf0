"""A small generated county shared by the demo tests (generated once per test session)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from shouwang_tools.demo import generate_county
from shouwang_tools.demo.settings import demo_settings

HOUSEHOLDS = 300


@pytest.fixture(scope="session")
def county(tmp_path_factory):
    """A 300-household county for 2026-10, seed 11."""
    return generate_county(HOUSEHOLDS, "2026-10", tmp_path_factory.mktemp("county"), seed=11)


def truth(county, name: str) -> pd.DataFrame:
    """A truth table, every column as text (blank cells as '')."""
    return pd.read_csv(county.truth[name], dtype=str, keep_default_na=False)


def read_sheet(path: Path, fmt: str, encoding: str | None) -> list[list]:
    """Every line of a feed file as the department wrote it (title, header, records, totals)."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        return rows
    import xlrd

    sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    return [sheet.row_values(r) for r in range(sheet.nrows)]


def roster_by_member(county, column: str) -> dict[tuple[str, str], str]:
    """(household_no, member) → that person's roster cell in `column` (e.g. 姓名, 身份证号)."""
    encoding = demo_settings()["roster"]["encoding"]
    roster = pd.read_csv(county.roster, dtype=str, keep_default_na=False, encoding=encoding)
    member = roster.groupby("户编号").cumcount() + 1
    return {(h, str(m)): v for h, m, v in zip(roster["户编号"], member, roster[column])}


@pytest.fixture(scope="session")
def records(county):
    """(file, Excel row) → (department, {header without padding: cell as read}) for every record."""
    out = {}
    for info in truth(county, "files").to_dict("records"):
        lines = read_sheet(county.landing / info["source_file"], info["format"], info["encoding"] or None)
        header = [str(h).strip() for h in lines[int(info["header_row"]) - 1]]
        for row in range(int(info["first_data_row"]), int(info["last_data_row"]) + 1):
            out[(info["source_file"], row)] = (info["department"], dict(zip(header, lines[row - 1])))
    return out
