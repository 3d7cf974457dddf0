"""The one period pattern, parser and month arithmetic."""
import argparse
import datetime as dt

import pytest

from shouwang.core import periods


@pytest.mark.parametrize("text", ["2026-10", "2026-01", "1999-12"])
def test_valid_periods(text):
    assert periods.is_period(text) and periods.check_period(text) == text
    assert periods.period_arg(text) == text


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "202610", "2026-00", "", None, 202610])
def test_invalid_periods_say_what_to_pass(value):
    assert not periods.is_period(value)
    with pytest.raises(ValueError, match="is not YYYY-MM, e.g. 2026-10"):
        periods.check_period(value)


def test_period_arg_is_a_usage_error():
    with pytest.raises(argparse.ArgumentTypeError, match="not YYYY-MM"):
        periods.period_arg("10/2026")


def test_month_arithmetic():
    assert periods.previous("2026-01") == "2025-12"
    assert periods.shift("2026-11", 2) == "2027-01"
    assert periods.shift("2026-03", -15) == "2024-12"
    assert periods.first_day("2026-10") == dt.date(2026, 10, 1)
    assert periods.of_date(dt.date(2026, 2, 28)) == "2026-02"
