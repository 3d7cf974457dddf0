"""The resident-ID check-digit expectation, alone."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from expectations.custom import ExpectColumnValuesToBeValidResidentId
from expectations.custom.resident_id import is_valid_resident_id
from tests.expectations.conftest import synthetic_ids, wrong_check_digit
from tests.expectations.custom.helpers import run_alone
from warehouse.identity import check_digit, make_id


def test_valid_ids_pass_and_every_wrong_check_character_fails():
    good = synthetic_ids(20)
    assert all(is_valid_resident_id(v) for v in good)
    one = good[0]
    wrong = [one[:17] + c for c in "0123456789X" if c != one[17]]
    assert len(wrong) == 10 and not any(is_valid_resident_id(v) for v in wrong)


def test_x_check_character():
    # Find a synthetic body whose check character is X, so that branch is exercised.
    body = next(
        b for seq in range(2000)
        if check_digit(b := make_id("500230", dt.date(1990, 5, 17), seq, True)[:17]) == "X"
    )
    assert is_valid_resident_id(body + "X")
    assert not is_valid_resident_id(body + "0")


def test_old_15_digit_ids_pass_unless_disallowed():
    old = synthetic_ids(1)[0]
    old15 = old[:6] + old[8:17]
    assert is_valid_resident_id(old15)
    assert not is_valid_resident_id(old15, allow_15=False)


def test_shapes_that_are_not_ids_fail():
    good = synthetic_ids(1)[0]
    for value in ("", "abc", good[:17], good + "1", "5.00230198E+17", "５" + good[1:], "²" * 18):
        assert not is_valid_resident_id(value), value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_never_crashes_on_any_text(value):
    assert is_valid_resident_id(value) in (True, False)


def test_expectation_reports_unexpected_rows_by_index_without_values():
    ids = synthetic_ids(5)
    ids[1] = wrong_check_digit(ids[1])
    ids[3] = None  # nulls are left to the not-null checks
    frame = pd.DataFrame({"resident_id": ids}, index=[10, 11, 12, 13, 14])
    result = run_alone(ExpectColumnValuesToBeValidResidentId(column="resident_id"), frame)
    assert not result.success
    assert result.result["unexpected_count"] == 1
    assert result.result["unexpected_index_list"] == [11]
    assert result.result["missing_count"] == 1
    text = str(result.to_json_dict())
    assert not any(v and v in text for v in ids)


def test_expectation_passes_a_clean_column():
    frame = pd.DataFrame({"resident_id": synthetic_ids(8)})
    result = run_alone(ExpectColumnValuesToBeValidResidentId(column="resident_id"), frame)
    assert result.success and result.result["unexpected_count"] == 0
