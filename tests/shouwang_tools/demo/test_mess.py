"""The planted mess: every kind is there, each cell shows what mess.csv says, and every ID is a
valid synthetic one except the ones planted as mangled."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from shouwang import config
from shouwang_tools.demo.mess import BAD_REASONS
from shouwang_tools.demo.settings import demo_settings
from tests.shouwang_tools.demo.conftest import roster_by_member, truth
from warehouse import identity

CFG = demo_settings()
LAYOUTS = CFG["departments"]
STATUS = {  # what identity.parse makes of each planted ID mess
    "id_lowercase_x": {identity.OK},
    "id_spaces": {identity.OK},
    "id_fullwidth": {identity.OK},
    "id_old15": {identity.UPGRADED_15},
    "id_typo_digit": {identity.BAD_CHECKSUM},
    "id_swap_adjacent": {identity.BAD_CHECKSUM},
    "id_blank": {identity.BLANK},
    "id_excel_number": {identity.EXCEL_PRECISION},
    "id_excel_000": {identity.EXCEL_PRECISION},
    "id_excel_scientific": {identity.EXCEL_PRECISION},
    # Inside the birth date a typo makes an impossible date or still a calendar one.
    "id_typo_birth_date": {identity.BAD_DATE, identity.BAD_CHECKSUM},
    "id_swap_birth_date": {identity.BAD_DATE, identity.BAD_CHECKSUM},
}


@pytest.fixture(scope="module")
def cells(records):
    """(file, row) → {header: cell} for every record row of every file."""
    return {key: row for key, (_, row) in records.items()}


def test_every_mess_kind_is_planted(county):
    kinds = set(truth(county, "mess")["kind"])
    assert kinds >= set(CFG["mess"]) | set(BAD_REASONS)


def test_bad_rows_are_two_to_five_percent_and_flagged_bad(county):
    quarantine = truth(county, "quarantine")
    links = truth(county, "links")
    assert 0.02 <= len(quarantine) / len(links) <= 0.05
    bad = links[links["kind"] == "bad"]
    assert set(zip(bad["source_file"], bad["source_row"])) == set(
        zip(quarantine["source_file"], quarantine["source_row"])
    )
    assert set(quarantine["reason"]) == set(BAD_REASONS)


def test_id_cells_parse_as_planted(county, cells):
    ids = roster_by_member(county, "身份证号")
    links = truth(county, "links").set_index(["source_file", "source_row"])
    mess = truth(county, "mess")
    id_mess = {
        (f, int(r)): k for f, r, k in zip(mess["source_file"], mess["source_row"], mess["kind"]) if k.startswith("id_")
    }
    seen = set()
    for (file, row), record in cells.items():
        dept = links.loc[(file, str(row)), "department"]
        cell = record[LAYOUTS[dept]["person"][1]]
        parsed = identity.parse(cell)
        kind = id_mess.get((file, row))
        if kind:
            assert parsed.status in STATUS[kind], (file, row, kind)
            seen.add(kind)
        else:
            assert parsed.valid, (file, row)
        hh, member = links.loc[(file, str(row)), ["household_no", "member"]]
        if parsed.valid and hh:
            assert parsed.value == ids[(hh, member)], (file, row)
    assert seen == set(STATUS)


def test_every_id_is_synthetic(county, cells):
    """Valid IDs come from make_id over the county's region codes (5002xx), born before today."""
    code = int(config.settings()["county"]["code"])
    found = list(roster_by_member(county, "身份证号").values())
    for record in cells.values():
        for header, cell in record.items():
            if "身份证号" in header and identity.parse(cell).valid:
                found.append(identity.parse(cell).value)
    for rid in found:
        parsed = identity.parse(rid)
        order = int(rid[14:17])
        seq = (order // 10) + (order % 10 // 2) * 100
        assert identity.make_id(rid[:6], parsed.birth_date, seq, order % 2 == 1) == rid
        assert abs(int(rid[:6]) - code) <= 3
        assert parsed.birth_date < dt.date.today()


def test_cells_show_the_planted_mess(county, cells):
    mess = truth(county, "mess")
    checks = {
        "amount_comma": lambda c: re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", c),
        "amount_wan": lambda c: c.endswith("万"),
        "amount_yuan": lambda c: c.endswith("元"),
        "date_chinese": lambda c: re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", c),
        "date_slash": lambda c: re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", c),
        "date_compact": lambda c: re.fullmatch(r"\d{8}", c),
        "date_iso": lambda c: re.fullmatch(r"\d{4}-\d\d-\d\d", c),
        "date_serial": lambda c: re.fullmatch(r"4\d{4}(\.0)?", c),
        "name_spaces": lambda c: " " in c,
        "name_blank": lambda c: c.strip() in ("", "nan", "None"),
        "place_short": lambda c: not c.endswith(("镇", "乡", "街道", "村", "社区")),
        "bad_date": lambda c: re.search(r"13|02/30", c),
    }
    for file, row, column, kind in zip(mess["source_file"], mess["source_row"].astype(int), mess["column"], mess["kind"]):
        if kind in checks:
            cell = str(cells[(file, row)][next(h for h in cells[(file, row)] if h.strip().startswith(column))])
            assert checks[kind](cell), (file, row, column, kind, cell)


def test_duplicates_are_exact_copies_of_the_row_above(county, cells):
    mess = truth(county, "mess")
    dups = mess[mess["kind"] == "duplicate_row"]
    assert len(dups)
    for file, row in zip(dups["source_file"], dups["source_row"].astype(int)):
        assert cells[(file, row)] == cells[(file, row - 1)]


def test_birth_date_typos_make_impossible_dates_that_keep_their_digits(county, cells):
    """Issue 15: the rows that used to be quarantined (id_bad_birth_date) are planted, and every
    one still has 18 digits for the typo keys."""
    mess = truth(county, "mess")
    planted = {(f, int(r)): c for f, r, c, k in zip(mess["source_file"], mess["source_row"],
                                                  mess["column"], mess["kind"])
               if k in ("id_typo_birth_date", "id_swap_birth_date")}
    statuses = [identity.parse(cells[key][column]) for key, column in planted.items()]
    assert statuses and any(p.status == identity.BAD_DATE for p in statuses)
    assert all(identity.usable(p) for p in statuses)


def test_a_blank_name_keeps_the_id_as_issued(county, cells):
    """Issue 15: a usable ID and no name is a row that loads, never one that identifies nobody."""
    mess = truth(county, "mess")
    links = truth(county, "links").set_index(["source_file", "source_row"])
    blank = mess[mess["kind"] == "name_blank"]
    assert len(blank)
    ids = roster_by_member(county, "身份证号")
    for file, row in zip(blank["source_file"], blank["source_row"]):
        dept, hh, member = links.loc[(file, row), ["department", "household_no", "member"]]
        parsed = identity.parse(cells[(file, int(row))][LAYOUTS[dept]["person"][1]])
        assert parsed.valid
        if hh:  # a roster person's row: the ID is theirs
            assert parsed.value == ids[(hh, member)]
