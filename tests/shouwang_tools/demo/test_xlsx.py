"""The small .xlsx writer: typed cells that openpyxl and calamine read back as written."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl import load_workbook

from shouwang_tools.demo.xlsx import column_letter, xlsx_bytes


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_cells_round_trip(tmp_path):
    rows = [
        ["标题 <A&B>"],
        ["姓名", "金额", "日期", "序号", "身份证号"],
        ["张 伟", 1234.5, dt.date(2026, 10, 3), 7, 5.00230198401110e17],
        [" 前后空格 ", "", None, 46298, "50023019840111001X"],
    ]
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    assert xlsx_bytes(rows) == path.read_bytes()  # no timestamps inside
    wb = load_workbook(path, read_only=True)
    got = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    assert got[0][0] == "标题 <A&B>"
    assert got[2][:2] == ["张 伟", 1234.5] and got[2][2] == dt.datetime(2026, 10, 3)
    assert got[2][3] == 7 and got[2][4] == 5.00230198401110e17
    assert got[3][0] == " 前后空格 " and got[3][1] is None and got[3][3] == 46298
    frame = pd.read_excel(path, header=None, engine="calamine")
    assert frame.iloc[3, 4] == "50023019840111001X"
