"""Every messy cell form of FEEDS.md, and no input that crashes a parser."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import normalize as n
from warehouse import identity
from warehouse.identity import make_id

RID = make_id("500230", dt.date(1988, 3, 14), 17, True)
SWAP_AT = next(i for i in range(14, 16) if RID[i] != RID[i + 1])  # in the sequence digits
TYPO = RID[:15] + str((int(RID[15]) + 1) % 10) + RID[16:]
SWAPPED = RID[:SWAP_AT] + RID[SWAP_AT + 1] + RID[SWAP_AT] + RID[SWAP_AT + 2:]
RID_X = next(make_id("500230", dt.date(1990, 1, 2), s, False) for s in range(500)
             if make_id("500230", dt.date(1990, 1, 2), s, False).endswith("X"))


@pytest.mark.parametrize("cell", ["2026-10-03", "2026/10/3", "20261003", "2026年10月3日",
                                  "2026.10.03", "２０２６-10-03", " 2026-10-03 ", "46298",
                                  "2026-10-03 00:00:00"])
def test_every_date_form_reads_as_iso(cell):
    assert n.parse_date(cell) == ("2026-10-03", None)


@pytest.mark.parametrize("cell", ["2026-13-45", "2026/02/30", "2026年13月1日", "12..5", "昨天",
                                  "3", "1850-01-01"])
def test_impossible_dates_are_reasons_not_values(cell):
    assert n.parse_date(cell) == (None, n.BAD_DATE)


@pytest.mark.parametrize("cell, value", [("12,345.60", 12345.6), ("1.2万", 12000.0),
                                         ("3000元", 3000.0), ("￥300", 300.0), ("0", 0.0),
                                         ("１２３", 123.0), ("2.5万元", 25000.0)])
def test_amount_forms(cell, value):
    assert n.parse_amount(cell) == (value, None)


@pytest.mark.parametrize("cell", ["待核实", "12..5", "--", "约三千", "-5", "nan元", "1e999"])
def test_bad_amounts(cell):
    assert n.parse_amount(cell) == (None, n.BAD_AMOUNT)


@pytest.mark.parametrize("cell, name", [("陈 丽 华", "陈丽华"), ("陳麗華", "陈丽华"),
                                        ("买买提•艾力", "买买提·艾力"), ("买买提・艾力", "买买提·艾力"),
                                        ("阿依古丽·吐尔逊", "阿依古丽·吐尔逊"), ("劉　偉", "刘伟")])
def test_names_lose_spaces_and_traditional_characters_but_keep_the_middle_dot(cell, name):
    assert n.parse_name(cell) == (name, None)


@pytest.mark.parametrize("cell", ["500230198803141234", "张三1", "·", "x" * 70])
def test_a_number_or_garbage_is_not_a_name(cell):
    value, reason = n.parse_name(cell)
    assert value is None and reason in (n.BAD_NAME, n.TOO_LONG)


def test_bool_enum_int_phone():
    assert n.parse_bool("是") == (True, None) and n.parse_bool(" 否 ") == (False, None)
    assert n.parse_bool("有人") == (None, n.BAD_BOOL)
    grade = n.enum_parser(("A", "B", "C", "D"))
    assert grade("c") == ("C", None) and grade("E") == (None, n.BAD_ENUM)
    assert n.enum_parser(("正常参保", "未参保"))("未 参保") == ("未参保", None)
    assert n.parse_int("4人") == (4, None) and n.parse_int("3.5") == (None, n.BAD_INT)
    assert n.parse_phone("138-0000-1234") == ("13800001234", None)
    assert n.parse_phone("+86 13800001234") == ("13800001234", None)
    assert n.parse_phone("12") == (None, n.BAD_PHONE)


def test_region_keeps_the_name_as_written_in_simplified_form():
    assert n.parse_region(" 龍河 鎮") == ("龙河镇", None)


@pytest.mark.parametrize("cell, status", [
    (RID, identity.OK),
    (RID_X.lower(), identity.OK),
    (f"{RID[:6]} {RID[6:14]} {RID[14:]}", identity.OK),
    (RID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), identity.OK),
    (RID[:6] + RID[8:17], identity.UPGRADED_15),
    ("", identity.BLANK),
    (TYPO, identity.BAD_CHECKSUM),
    (SWAPPED, identity.BAD_CHECKSUM),
    ("1.10101E+17", identity.EXCEL_PRECISION),
    (RID[:15] + "000", identity.EXCEL_PRECISION),
])
def test_every_id_form_of_feeds_md(cell, status):
    got = n.parse_id(cell)
    assert got.parsed.status == status
    if status in (identity.OK, identity.UPGRADED_15):
        assert got.parsed.value in (RID, RID_X)


def test_an_id_excel_stored_as_a_number_keeps_region_and_birth_date_only():
    as_number = "%d" % float(f"{float(RID):.15g}")
    got = n.parse_id(as_number, excel_number=True)
    assert got.parsed.status == identity.EXCEL_PRECISION
    assert got.parsed.region == "500230" and got.parsed.birth_date == dt.date(1988, 3, 14)
    assert got.parsed.value is None
    sci = n.parse_id(f"{float(RID):.14E}")
    assert sci.parsed.status == identity.EXCEL_PRECISION
    assert sci.parsed.birth_date == dt.date(1988, 3, 14)


def test_parse_column_parses_each_distinct_cell_once_and_reports_blanks():
    seen = []

    def parser(text):
        seen.append(text)
        return n.parse_amount(text)

    cells = pd.Series(["1万", "1万", "", "坏", "1万"])
    values, errors = n.parse_column(cells, parser, blank_ok=False)
    assert list(values) == [10000.0, 10000.0, None, None, 10000.0]
    assert list(errors) == [None, None, n.MISSING, n.BAD_AMOUNT, None]
    assert sorted(seen) == ["1万", "坏"]


def test_parse_ids_respects_the_stored_as_number_mark_per_row():
    cells = pd.Series([RID[:15] + "000", RID[:15] + "000"])
    got = n.parse_ids(cells, np.array([True, False]))
    assert [g.parsed.status for g in got] == [identity.EXCEL_PRECISION] * 2


text = st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(text)
def test_no_cell_crashes_any_parser(cell):
    for ftype in ("text", "name", "region", "date", "amount", "int", "bool", "phone"):
        value, reason = n.parser_for(ftype)(cell)
        assert (value is None) != (reason is None) or (value is None and reason is None)
        if reason is not None:
            assert value is None and isinstance(reason, str)
    got = n.parse_id(cell)
    assert got.parsed.status
    assert n.enum_parser(("在读", "辍学"))(cell)[1] in (None, n.BAD_ENUM)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_written_form_of_a_date_round_trips(day):
    for cell in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day:%Y%m%d}",
                 f"{day.year}年{day.month}月{day.day}日"):
        assert n.parse_date(cell) == (day.isoformat(), None)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**8, places=2))
def test_amount_forms_round_trip(amount):
    value = float(amount)
    assert n.parse_amount(f"{value:,.2f}") == (round(value, 2), None)
    assert n.parse_amount(f"{value:.2f}元") == (round(value, 2), None)
    assert n.parse_amount(f"{value / 10000:.6f}万")[0] == pytest.approx(value, abs=0.01)
