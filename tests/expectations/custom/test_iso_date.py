"""The ISO-date range expectation, alone."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.custom import ExpectColumnValuesToBeIsoDatesBetween
from tests.expectations.custom.helpers import run_alone

BOUNDS = {"lo": "1900-01-01", "hi": "2026-06-30"}


def _run(values: list) -> list[int]:
    expectation = ExpectColumnValuesToBeIsoDatesBetween(
        column="d", min_value={"$PARAMETER": "lo"}, max_value={"$PARAMETER": "hi"}
    )
    result = run_alone(expectation, pd.DataFrame({"d": values}), BOUNDS)
    return result.result["unexpected_index_list"]


def test_bounds_are_inclusive_and_outside_or_unreadable_fail():
    values = ["1900-01-01", "2026-06-30", "1899-12-31", "2026-07-01", "2026-02-30", "20260301", "soon", None]
    assert _run(values) == [2, 3, 4, 6]


def test_date_objects_are_read_too():
    assert _run([dt.date(2000, 1, 1), dt.date(2030, 1, 1)]) == [1]
