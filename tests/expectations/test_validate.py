"""validate_batch: rows map back to source rows, contract errors are clear, nothing leaks."""
from __future__ import annotations

import pandas as pd
import pytest

from expectations import BatchContractError, ValidationOutcome, reasons, validate_batch
from tests.expectations.conftest import good_frame, wrong_check_digit
from warehouse import identity


def test_failures_map_to_source_rows_whatever_the_frame_index():
    frame = good_frame("medical_insurance", n=8)
    frame["source_row"] = [40, 7, 19, 3, 88, 12, 5, 61]  # rows after a sort, dedup or filter
    frame.index = [100, 3, 55, 2, 9, 70, 1, 0]
    frame.loc[55, "insurance_status"] = "未知"
    frame.loc[9, "out_of_pocket"] = -20.0
    frame.loc[0, "resident_id"] = wrong_check_digit(frame.loc[0, "resident_id"])
    outcome = validate_batch("medical_insurance", frame)
    assert isinstance(outcome, ValidationOutcome)
    assert outcome.failures == {
        19: [(reasons.NOT_IN_SET, "insurance_status")],
        88: [(reasons.NEGATIVE_AMOUNT, "out_of_pocket")],
        61: [(identity.BAD_CHECKSUM, "resident_id")],
    }


def test_one_reason_per_row_and_column_several_columns_per_row():
    frame = good_frame("housing")
    frame.loc[1, "grade"] = "Z"
    frame.loc[1, "occupied"] = None
    frame.loc[1, "appraisal_date"] = "3000-01-01"
    frame.loc[1, "id_status"] = identity.BLANK
    frame.loc[1, "resident_id"] = None
    outcome = validate_batch("housing", frame)
    row = int(frame.loc[1, "source_row"])
    assert sorted(outcome.failures[row]) == sorted([
        (identity.BLANK, "resident_id"),
        (reasons.NOT_IN_SET, "grade"),
        (reasons.MISSING, "occupied"),
        (reasons.DATE_OUT_OF_RANGE, "appraisal_date"),
    ])
    assert list(outcome.failures) == [row]


def test_id_status_reason_wins_over_the_check_digit_for_the_same_cell():
    frame = good_frame("hr")
    frame.loc[2, "resident_id"] = wrong_check_digit(frame.loc[2, "resident_id"])
    frame.loc[2, "id_status"] = identity.BAD_CHECKSUM
    frame.loc[3, "resident_id"] = "44010"
    frame.loc[3, "id_status"] = identity.BAD_LENGTH
    outcome = validate_batch("hr", frame)
    assert outcome.failures == {
        int(frame.loc[2, "source_row"]): [(identity.BAD_CHECKSUM, "resident_id")],
        int(frame.loc[3, "source_row"]): [(identity.BAD_LENGTH, "resident_id")],
    }


def test_statistics_count_unexpected_rows_per_check():
    frame = good_frame("water", n=10)
    frame.loc[[2, 5, 7], "quality_ok"] = "N"
    outcome = validate_batch("water", frame)
    stats = outcome.statistics
    assert stats["department"] == "water" and stats["rows"] == 10 and stats["rows_failed"] == 3
    failed = [e for e in stats["expectations"] if not e["success"]]
    assert failed == [{"expectation": "expect_column_values_to_be_in_set", "column": "quality_ok",
                       "reason": reasons.NOT_IN_SET, "success": False, "unexpected_count": 3}]
    assert stats["unsuccessful_expectations"] == 1
    assert stats["seconds"] >= 0


def test_missing_required_column_is_a_contract_error_naming_it():
    frame = good_frame("emergency").drop(columns=["damage"])
    with pytest.raises(BatchContractError, match=r"emergency batch lacks column\(s\) damage"):
        validate_batch("emergency", frame)


def test_absent_optional_column_is_validated_as_blank():
    frame = good_frame("education").drop(columns=["schooling_cost", "guardian_name"])
    assert validate_batch("education", frame).failures == {}


def test_amount_text_that_is_no_number_names_the_column_not_the_value():
    frame = good_frame("civil_affairs")
    frame["amount"] = frame["amount"].astype(object)
    frame.loc[0, "amount"] = "13800001234元"
    with pytest.raises(BatchContractError, match=rf"'amount' .* row\(s\) {frame.loc[0, 'source_row']};") as error:
        validate_batch("civil_affairs", frame)
    assert "13800001234" not in str(error.value)


def test_numeric_text_amounts_are_read_as_numbers():
    frame = good_frame("civil_affairs")
    frame["amount"] = frame["amount"].astype(str)
    assert validate_batch("civil_affairs", frame).failures == {}


def test_the_callers_frame_is_not_changed():
    frame = good_frame("health")
    frame.loc[0, "disease"] = "  "
    before = frame.copy()
    validate_batch("health", frame)
    pd.testing.assert_frame_equal(frame, before)


def test_outcome_holds_no_plaintext_id():
    frame = good_frame("registry")
    frame.loc[1, "resident_id"] = wrong_check_digit(frame.loc[1, "resident_id"])
    frame.loc[2, "phone"] = "1380000123"  # one digit short
    outcome = validate_batch("registry", frame)
    text = repr(outcome)
    assert outcome.failures and not any(v in text for v in frame["resident_id"])
    assert "1380000123" not in text


@pytest.mark.bench
def test_hundred_thousand_rows_validate_in_one_pass(tmp_path):
    import time

    import numpy as np

    n = 100_000
    frame = good_frame("medical_insurance", n=n)
    bad = np.arange(5, n, 997)  # about 0.1% bad rows, spread over the file
    frame.loc[bad, "insurance_status"] = "不详"
    validate_batch("medical_insurance", frame.head(10))  # context and suite set up once per process
    for docs_dir in (None, tmp_path):
        started, cpu = time.perf_counter(), time.process_time()
        outcome = validate_batch("medical_insurance", frame, docs_dir=docs_dir)
        seconds = time.perf_counter() - started
        print(f"\nvalidate_batch medical_insurance: {n} rows, {len(bad)} bad, {seconds:.2f} s wall, "
              f"{time.process_time() - cpu:.2f} s CPU, docs: {'yes' if docs_dir else 'no'}")
        assert sorted(outcome.failures) == [int(r) for r in frame.loc[bad, "source_row"]]
        assert seconds < 60
