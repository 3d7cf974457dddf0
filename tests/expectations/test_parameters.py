"""Thresholds come from settings (suite parameters), so the county's file changes them."""
from __future__ import annotations

import datetime as dt

import pytest

from expectations import parameters, reasons, validate_batch
from tests.expectations.conftest import good_frame


def _county_file(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SHOUWANG_CONFIG", str(path))


def test_amount_ceiling_follows_the_county_file(tmp_path, monkeypatch):
    frame = good_frame("emergency")
    frame.loc[2, "direct_loss"] = 80_000.0
    assert validate_batch("emergency", frame).failures == {}
    _county_file(tmp_path, monkeypatch, "expectations:\n  amount_ceiling: 50000\n")
    assert validate_batch("emergency", frame).failures == {
        int(frame.loc[2, "source_row"]): [(reasons.AMOUNT_ABOVE_CEILING, "direct_loss")]
    }


def test_per_column_ceiling_overrides_the_default(tmp_path, monkeypatch):
    frame = good_frame("hr")
    frame.loc[1, "monthly_income"] = 30_000.0
    _county_file(tmp_path, monkeypatch, "expectations:\n  amount_ceilings:\n    monthly_income: 20000\n")
    assert validate_batch("hr", frame).failures == {
        int(frame.loc[1, "source_row"]): [(reasons.AMOUNT_ABOVE_CEILING, "monthly_income")]
    }


def test_earliest_date_and_household_size_follow_the_county_file(tmp_path, monkeypatch):
    frame = good_frame("civil_affairs")
    frame.loc[0, "change_date"] = "2001-05-01"
    frame.loc[4, "household_size"] = 12
    assert validate_batch("civil_affairs", frame).failures == {}
    _county_file(tmp_path, monkeypatch, "expectations:\n  earliest_date: '2010-01-01'\n  household_size_max: 10\n")
    rows = frame["source_row"]
    assert validate_batch("civil_affairs", frame).failures == {
        int(rows[0]): [(reasons.DATE_OUT_OF_RANGE, "change_date")],
        int(rows[4]): [(reasons.COUNT_OUT_OF_RANGE, "household_size")],
    }


def test_resolve_fills_today_and_ceilings():
    settings = {"expectations": {"amount_ceiling": 9, "amount_ceilings": {"x": 3}, "earliest_date": "1900-01-01"}}
    names = {"today", parameters.ceiling_param("x"), parameters.ceiling_param("y"), "earliest_date"}
    assert parameters.resolve(names, settings, today=dt.date(2026, 10, 3)) == {
        "today": "2026-10-03", "ceiling_x": 3, "ceiling_y": 9, "earliest_date": "1900-01-01",
    }


def test_resolve_names_the_missing_setting():
    with pytest.raises(KeyError, match="expectations.household_size_max"):
        parameters.resolve({"household_size_max"}, {"expectations": {}})
