"""A new department is one contract file: `feeds check`, `ingest` and `link` take it end to end.

The throwaway 退役军人 contract lives in a tmp folder named by SHOUWANG_CONTRACTS; there is no
suite file for it, so its rows are judged by the checks derived from the contract alone.
"""
import csv

import pytest

from connectors import catalog
from shouwang.cli import main
from tests.connectors import factory as f

PERSONS = f.people(12, seed=41)
CONTRACT_FILE = '''"""退役军人 veterans: a department added by one contract file (test only)."""
from connectors.contract import Contract, address, column, person, required

CONTRACT = Contract(
    department="veterans",
    label="退役军人",
    aliases=("退役军人事务局",),
    role="person",
    fields=(
        *person(),
        # A closed list on a text field: only validation (the derived suite) enforces it.
        required("care_type", "优抚类别", allowed=("伤残军人", "烈属", "老复员军人")),
        required("grant_date", "发放日期", "date"),
        column("grant", "抚恤金额", "amount"),
        *address(),
    ),
)
'''


@pytest.fixture
def veterans(tmp_path, monkeypatch):
    """The contract folder, registered for this test only."""
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "veterans.py").write_text(CONTRACT_FILE, encoding="utf-8")
    monkeypatch.setenv(catalog.ENV_CONTRACTS, str(folder))
    return folder


def _run(ctx, *argv):
    return main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), *argv])


def _rows() -> list[dict]:
    rows = [{"姓名": p.name, "身份证号": p.rid, "优抚类别": "烈属", "发放日期": "2026-10-08",
             "抚恤金额": "1,200", "乡镇": p.township, "村": p.village} for p in PERSONS]
    rows[2]["优抚类别"] = "军属"  # not one of the contract's values
    rows[5]["发放日期"] = "2099-01-01"  # a readable date, but in the future
    rows[8]["抚恤金额"] = "500000000"  # above expectations.amount_ceiling (a typing error)
    return rows


def test_a_contract_file_is_a_department_from_check_to_link(ctx, veterans, tmp_path, capsys):
    roster = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "gb18030")
    assert _run(ctx, "registry", "load", str(roster)) == 0
    landing = tmp_path / "landing"
    landing.mkdir()
    feed = f.write_xlsx(landing / "退役军人_2026-10.xlsx", _rows(), title="示范县优抚对象发放台账")
    capsys.readouterr()

    assert _run(ctx, "feeds", "check", str(feed)) == 0
    out = capsys.readouterr().out
    assert "veterans (退役军人)" in out and "12 read = 9 to load + 3 to quarantine" in out

    assert _run(ctx, "ingest", "--period", "2026-10", "--landing", str(landing)) == 0
    assert "loaded    退役军人_2026-10.xlsx: read 12, loaded 9, quarantined 3" in capsys.readouterr().out
    quarantine = tmp_path / "q.csv"
    assert _run(ctx, "export", "quarantine", "--period", "2026-10", "--out", str(quarantine)) == 0
    with quarantine.open(encoding="utf-8") as fh:
        got = [(g["department"], g["source_row"], g["reason"]) for g in csv.DictReader(fh)]
    # Title row 1, header row 2: data row k is spreadsheet row k + 3.
    assert got == [("veterans", "5", "not_in_set"), ("veterans", "8", "date_out_of_range"),
                   ("veterans", "11", "amount_above_ceiling")]

    assert _run(ctx, "link", "--period", "2026-10") == 0
    links = tmp_path / "links.csv"
    assert _run(ctx, "export", "links", "--period", "2026-10", "--out", str(links)) == 0
    with links.open(encoding="utf-8") as fh:
        linked = [g for g in csv.DictReader(fh) if g["department"] == "veterans"]
    assert len(linked) == 9
    assert all(g["household_id"] and g["status"] == "auto" for g in linked)
    text = out + quarantine.read_text(encoding="utf-8") + links.read_text(encoding="utf-8")
    assert not [p.rid for p in PERSONS if p.rid in text]


def test_a_missing_contract_folder_is_one_line_naming_it(ctx, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(catalog.ENV_CONTRACTS, str(tmp_path / "nowhere"))
    feed = f.write_csv(tmp_path / "卫健_2026-10.csv", f.feed_rows("health", PERSONS))
    assert _run(ctx, "feeds", "check", str(feed)) == 1
    err = capsys.readouterr().err
    assert "SHOUWANG_CONTRACTS" in err and "nowhere" in err and "Traceback" not in err
