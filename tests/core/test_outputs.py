"""shouwang.core.outputs: string cells in XLSX, OWASP-neutralized CSV, sheet titles, atomic files."""
from __future__ import annotations

import ast
import csv
import datetime as dt
import os
import stat
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from shouwang.core import outputs
from shouwang.core.outputs import (add_sheet, append_row, atomic_open, atomic_write_text, csv_cell,
                                   save_workbook, set_text, sheet_title, title_sheet, write_csv_file)
from tests.core.xlsx_parts import HOSTILE, as_read_back, formulas


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- XLSX ----------------------------------------------------------------------------------

def test_text_that_looks_like_a_formula_is_saved_as_a_string_cell(tmp_path):
    wb = Workbook()
    ws = wb.active
    append_row(ws, ["村", "数值", "日期"])
    for text in HOSTILE:
        append_row(ws, [text, -2.5, dt.date(2026, 10, 9)])
    set_text(ws.cell(row=20, column=1), "=1+1")
    path = save_workbook(wb, tmp_path / "list.xlsx")

    assert formulas(path) == []
    back = load_workbook(path).active
    # Verbatim, except that XML reads a bare CR back as a line feed (end-of-line normalization).
    assert [back.cell(row=i + 2, column=1).value for i in range(len(HOSTILE))] == [
        as_read_back(t) for t in HOSTILE]
    assert back["A20"].value == "=1+1" and back["A20"].data_type == "s"
    assert back["B2"].value == -2.5 and back["B2"].data_type == "n"  # numbers stay numbers
    assert back["C2"].value == dt.datetime(2026, 10, 9)


def test_plain_openpyxl_would_have_written_a_formula(tmp_path):
    """The check itself sees a live formula: what ws.append did before the policy."""
    wb = Workbook()
    wb.active.append([HOSTILE[0]])
    wb.save(tmp_path / "raw.xlsx")
    assert formulas(tmp_path / "raw.xlsx") == ["xl/worksheets/sheet1.xml"]


# --- CSV -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE + ["-2", "=", "@", "+"])
def test_csv_text_starting_with_a_trigger_gets_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["双河村", "张三", "", "1+1", "a=b", "W2026-10-00001", "'quoted", " =1"])
def test_csv_ordinary_text_is_unchanged(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("value", [-5, -0.25, Decimal("-3.10"), np.float64(-1.5), np.int64(-7), 0, 12.5])
def test_csv_real_numbers_stay_numbers_even_when_negative(value):
    assert csv_cell(value) is value


def test_csv_other_values_are_written_as_their_text():
    assert csv_cell(None) == ""
    assert csv_cell(dt.date(2026, 10, 9)) == "2026-10-09"
    assert csv_cell(True) is True


def test_csv_file_round_trip(tmp_path):
    out = tmp_path / "sub" / "export.csv"
    rows = [[t, -3, "ok"] for t in HOSTILE]
    assert write_csv_file(out, ["village", "n", "note"], rows) == len(HOSTILE)
    with out.open(encoding="utf-8", newline="") as fh:
        got = list(csv.reader(fh))
    assert got[0] == ["village", "n", "note"]
    assert [r[0] for r in got[1:]] == ["'" + t for t in HOSTILE]
    assert {r[1] for r in got[1:]} == {"-3"}
    assert not any(c[:1] in ("=", "+", "@", "\t", "\r") for r in got[1:] for c in r)
    assert _leftovers(out.parent) == []


# --- sheet titles --------------------------------------------------------------------------

@pytest.mark.parametrize("wanted,expected", [
    ("龙河镇核实清单", "龙河镇核实清单"),
    ("a/b\\c[d]e:f*g?h", "abcdefgh"),
    ("/\\[]:*?", "Sheet"),
    ("", "Sheet"),
    ("'引号'", "引号"),
    ("长" * 40, "长" * 31),
])
def test_sheet_title_is_valid_for_excel(wanted, expected):
    assert sheet_title(wanted) == expected


def test_sheet_titles_are_unique_within_a_workbook_and_openpyxl_accepts_them(tmp_path):
    wb = Workbook()
    title_sheet(wb.active, "镇/村:清单")
    long = "长" * 40
    names = [add_sheet(wb, t).title for t in ("镇村清单", "镇[村]清单", "SHEET", "sheet", long, long)]
    assert wb.active.title == "镇村清单"
    assert names == ["镇村清单 (2)", "镇村清单 (3)", "SHEET", "sheet (2)", "长" * 31, "长" * 27 + " (2)"]
    assert all(len(n) <= 31 for n in wb.sheetnames)
    save_workbook(wb, tmp_path / "t.xlsx")
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == wb.sheetnames


def test_renaming_a_sheet_to_its_own_title_keeps_it():
    wb = Workbook()
    title_sheet(wb.active, "清单")
    title_sheet(wb.active, "清单")
    assert wb.sheetnames == ["清单"]


# --- atomic files --------------------------------------------------------------------------

def test_a_failing_workbook_save_keeps_the_previous_file_and_no_temp(tmp_path, monkeypatch):
    final = tmp_path / "list.xlsx"
    wb = Workbook()
    append_row(wb.active, ["before"])
    save_workbook(wb, final)
    before = final.read_bytes()

    def half_then_crash(self, filename):
        Path(filename).write_bytes(before[: len(before) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        save_workbook(Workbook(), final)
    assert final.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_a_failing_text_write_keeps_the_previous_file(tmp_path):
    final = tmp_path / "digest.html"
    atomic_write_text(final, "<p>old</p>")
    with pytest.raises(RuntimeError):
        with atomic_open(final, "w", encoding="utf-8") as fh:
            fh.write("<p>new, half")
            raise RuntimeError("killed")
    assert final.read_text(encoding="utf-8") == "<p>old</p>"
    assert _leftovers(tmp_path) == []


def test_atomic_write_replaces_and_keeps_ordinary_permissions(tmp_path):
    final = tmp_path / "a" / "b.txt"
    atomic_write_text(final, "one")
    atomic_write_text(final, "two")
    assert final.read_text(encoding="utf-8") == "two"
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert stat.S_IMODE(os.stat(final).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
    assert _leftovers(final.parent) == []


def test_atomic_open_refuses_non_write_modes(tmp_path):
    with pytest.raises(ValueError, match="not a write mode"):
        with atomic_open(tmp_path / "x", "a"):
            pass


def test_the_module_imports_nothing_of_ours():
    tree = ast.parse(Path(outputs.__file__).read_text(encoding="utf-8"))
    roots = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    roots |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = {"shouwang", "connectors", "expectations", "warehouse", "matching", "screening", "portal", "dags"}
    assert roots & ours == set()
