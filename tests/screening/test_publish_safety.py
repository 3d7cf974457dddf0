"""Outputs that cannot execute: formula-like villages, names and reasons in lists and CSV exports;
a crash while publishing keeps the previous files whole."""
from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from connectors.export import write_quarantine_csv
from matching.export import export_links
from screening.export import export_alerts, export_warnings
from screening.publish import publish_period
from screening.screen import screen_period
from shouwang.core.outputs import CSV_TRIGGERS
from tests.core.xlsx_parts import HOSTILE, as_read_back, formulas
from tests.screening.factory import PERIOD, County
from warehouse.db import session_scope
from warehouse.models import Quarantine, RiskWarning

HYPERLINK, PLUS, MINUS, AT, TAB, CR = HOSTILE
FLOOD = {"disaster_type": "洪涝", "disaster_date": "2026-10-05", "damage": "房屋倒塌", "direct_loss": 60000.0}


@pytest.fixture
def hostile(ctx):
    """Five households in a village named =HYPERLINK(...) (an alert) with formula-like heads, a
    lead from a feed row with a formula-like name and village, a reason that starts with '-'."""
    c = County(ctx)
    flood = c.batch("emergency", source_file=f"{AT}.xlsx")
    for i, head in enumerate([PLUS, MINUS, AT, TAB, CR]):
        hh = c.household(f"50023000{i:02d}", village=HYPERLINK, head=head)
        c.record(flood, FLOOD, person=(hh, 0))
    other = c.household("5002300100", village="双河村", head="陈大")
    c.record(flood, {**FLOOD, "disaster_type": MINUS}, person=(other, 0))  # reason "-2+3致房屋倒塌"
    c.record(flood, FLOOD, link="none", name=HYPERLINK, township="三合街道", village=AT)
    with session_scope(ctx.engine) as s:
        s.add(Quarantine(batch_id=flood, department="emergency", period=PERIOD, source_file=f"{AT}.xlsx",
                         source_row=9, reason="bad_enum", column=TAB, detail=HYPERLINK, raw={}))
    screen_period(ctx, PERIOD)
    return c


def _cells(path) -> list:
    wb = load_workbook(path)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _csv(path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_township_lists_and_digest_hold_formula_like_text_as_text(ctx, hostile, tmp_path):
    folder = publish_period(ctx, PERIOD, tmp_path / "out")
    books = sorted(folder.glob("*.xlsx"))
    assert len(books) == 3  # two township lists and the digest
    assert {p.name: formulas(p) for p in books} == {p.name: [] for p in books}
    lists = [p for p in books if "核查清单" in p.name]
    cells = [v for p in lists for v in _cells(p)]
    for text in (HYPERLINK, PLUS, MINUS, AT, TAB, CR):  # village, heads, lead name and village
        assert as_read_back(text) in cells, repr(text)
    assert f"{MINUS}致房屋倒塌" in cells  # a reason that starts with a trigger
    digest = [p for p in books if "汇总" in p.name][0]
    assert HYPERLINK in _cells(digest)  # the regional alert's village


def test_every_csv_export_neutralizes_formula_like_cells(ctx, hostile, tmp_path):
    out = tmp_path / "csv"
    export_warnings(ctx, PERIOD, out / "warnings.csv")
    export_alerts(ctx, PERIOD, out / "alerts.csv")
    write_quarantine_csv(ctx, PERIOD, out / "quarantine.csv")
    export_links(ctx, PERIOD, out / "links.csv")
    tables = {p.name: _csv(p) for p in sorted(out.glob("*.csv"))}
    assert sorted(tables) == ["alerts.csv", "links.csv", "quarantine.csv", "warnings.csv"]
    for name, rows in tables.items():
        risky = [c for r in rows for c in r if c.startswith(CSV_TRIGGERS)]
        assert risky == [], (name, risky)
    flat = {name: {c for r in rows for c in r} for name, rows in tables.items()}
    assert {"'" + HYPERLINK, "'" + AT} <= flat["warnings.csv"]  # roster village, lead's village
    assert "'" + HYPERLINK in flat["alerts.csv"]
    assert {"'" + HYPERLINK, "'" + TAB, f"'{AT}.xlsx"} <= flat["quarantine.csv"]
    assert f"'{AT}.xlsx" in flat["links.csv"]
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_a_crash_while_publishing_keeps_the_previous_files_and_leaves_no_temp(ctx, hostile, tmp_path,
                                                                              monkeypatch):
    folder = publish_period(ctx, PERIOD, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real_save = Workbook.save

    def crash_halfway(self, filename):
        real_save(self, filename)  # the whole zip, then cut in half as a killed process leaves it
        with open(filename, "r+b") as fh:
            fh.truncate(fh.seek(0, 2) // 2)
        raise OSError("killed while saving")

    monkeypatch.setattr(Workbook, "save", crash_halfway)
    with session_scope(ctx.engine) as s:  # newer data: the next publish would change the lists
        s.execute(select(RiskWarning).where(RiskWarning.is_lead.is_(True))).scalar_one().level = "orange"
    with pytest.raises(OSError, match="killed while saving"):
        publish_period(ctx, PERIOD, tmp_path / "out")
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert after == before  # every list whole, no temporary file beside them
    for name in before:
        if name.endswith(".xlsx"):
            load_workbook(folder / name)  # still opens

