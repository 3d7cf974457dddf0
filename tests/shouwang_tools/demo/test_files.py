"""The feed files: readable with their declared encodings and engines, laid out as files.csv says,
and every truth row points at the Excel row that holds that person."""
from __future__ import annotations

import pandas as pd
import pytest
from opencc import OpenCC

from shouwang_tools.demo.settings import demo_settings
from warehouse import identity
from tests.shouwang_tools.demo.conftest import read_sheet, roster_by_member, truth

LAYOUTS = demo_settings()["departments"]


def _files(county) -> list[dict]:
    return truth(county, "files").to_dict("records")


def _path(county, info):
    return county.landing / info["source_file"]


def test_eleven_feeds_in_mixed_formats(county):
    files = truth(county, "files")
    assert len(files) == 11 and set(files["department"]) == set(LAYOUTS)
    assert set(files["format"]) == {"csv", "xlsx", "xls"}
    assert set(files.loc[files["format"] == "csv", "encoding"]) == {"utf-8", "utf-8-sig", "gbk", "gb18030"}
    names = set(files["source_file"])
    assert "医保_2026-10.xlsx" in names and "emergency_2026-10.xls" in names
    assert (files["title_row"] == "1").any() and (files["totals_row"] != "").any()


def test_pandas_reads_every_file_with_its_declared_encoding(county):
    for info in _files(county):
        path = _path(county, info)
        skip = int(info["header_row"]) - 1
        if info["format"] == "csv":
            frame = pd.read_csv(path, encoding=info["encoding"], skiprows=skip, dtype=str)
        else:
            engine = "openpyxl" if info["format"] == "xlsx" else "xlrd"
            frame = pd.read_excel(path, skiprows=skip, dtype=str, engine=engine)
            pd.read_excel(path, skiprows=skip, engine="calamine")
        totals = 1 if info["totals_row"] else 0
        assert len(frame) == int(info["records"]) + totals, info["source_file"]
        if totals:
            assert frame.iloc[-1, 0] == "合计"


def test_headers_follow_the_contract_with_one_extra_column(county):
    for info in _files(county):
        layout = LAYOUTS[info["department"]]
        lines = read_sheet(_path(county, info), info["format"], info["encoding"] or None)
        header = [str(h).strip().replace("（元）", "") for h in lines[int(info["header_row"]) - 1]]
        expected = set(layout["person"]) | set(layout["address"]) | set(layout["headers"].values())
        expected |= set(layout.get("guardian", []))
        assert set(header) == expected | {layout["extra_column"]}, info["source_file"]
        if info["title_row"]:
            assert "年" in str(lines[0][0]) and len([c for c in lines[0] if c not in ("", None)]) == 1


def test_column_orders_are_shuffled(county):
    orders = []
    for info in _files(county):
        lines = read_sheet(_path(county, info), info["format"], info["encoding"] or None)
        orders.append(str(lines[int(info["header_row"]) - 1][:3]))
    firsts = [o for o in orders if "姓名" not in o.split(",")[0]]
    assert firsts, "no file starts other than with the name column"


def test_truth_rows_point_at_the_right_person(county):
    """Re-read every file; the name at each matched truth row is that roster member's name."""
    names = roster_by_member(county, "姓名")
    links = truth(county, "links")
    mess = truth(county, "mess")
    name_messed = set(
        zip(mess["source_file"], mess["source_row"].astype(int))
    ) & set(zip(mess.loc[mess["kind"].str.startswith("name_"), "source_file"],
                mess.loc[mess["kind"].str.startswith("name_"), "source_row"].astype(int)))
    to_simple = OpenCC("t2s")
    checked = 0
    for info in _files(county):
        layout = LAYOUTS[info["department"]]
        lines = read_sheet(_path(county, info), info["format"], info["encoding"] or None)
        header = [str(h).strip() for h in lines[int(info["header_row"]) - 1]]
        col = header.index(layout["person"][0])
        rows = links[(links["source_file"] == info["source_file"]) & (links["household_no"] != "")]
        for row, hh, member in zip(rows["source_row"].astype(int), rows["household_no"], rows["member"]):
            written = str(lines[row - 1][col])
            expected = names[(hh, member)]
            if (info["source_file"], row) in name_messed:
                # spaces, traditional characters, a homophone or another dot: still close
                squeezed = to_simple.convert(written.replace(" ", ""))
                assert len(squeezed) >= len(expected) - 1 and squeezed[0] == expected[0]
            else:
                assert written == expected, (info["source_file"], row)
            checked += 1
    assert checked >= len(links[links["household_no"] != ""]) > 0


def test_every_record_row_has_a_link_and_nothing_else_does(county):
    links = truth(county, "links")
    for info in _files(county):
        rows = links.loc[links["source_file"] == info["source_file"], "source_row"].astype(int)
        assert sorted(rows) == list(range(int(info["first_data_row"]), int(info["last_data_row"]) + 1))


@pytest.mark.parametrize("department", ["medical_insurance"])
def test_ids_stored_as_numbers_look_like_excel(county, department):
    mess = truth(county, "mess")
    info = next(i for i in _files(county) if i["department"] == department)
    lines = read_sheet(_path(county, info), info["format"], None)
    header = [str(h).strip() for h in lines[int(info["header_row"]) - 1]]
    col = header.index(LAYOUTS[department]["person"][1])
    rows = mess[(mess["source_file"] == info["source_file"]) & (mess["kind"] == "id_excel_number")]
    assert len(rows)
    for row in rows["source_row"].astype(int):
        cell = lines[row - 1][col]
        assert isinstance(cell, float) and f"{cell:.5E}".endswith("E+17")
        assert float(f"{cell:.15g}") == cell  # Excel keeps 15 significant digits
        assert identity.parse(cell).status == identity.EXCEL_PRECISION
