"""From a real GX suite result to row failures, statistics and errors."""
from __future__ import annotations

import great_expectations as gx
import pandas as pd
import pytest

from expectations import BatchValidationError, reasons
from expectations.outcome import raise_for_errors, row_failures, statistics
from tests.expectations.custom.helpers import run_suite


def test_reason_from_column_and_reported_column_come_from_meta():
    frame = pd.DataFrame({
        "source_row": [5, 6, 7],
        "status": ["ok", "id_bad_region", "id_blank"],
        "kind": ["a", "b", "zz"],
    })
    result = run_suite([
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="status", value_set=["ok"], meta={"reason_from": "status", "column": "resident_id"}),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="kind", value_set=["a", "b"], meta={"reason": reasons.NOT_IN_SET}),
    ], frame)
    assert row_failures(result, frame) == {
        6: [("id_bad_region", "resident_id")],
        7: [("id_blank", "resident_id"), (reasons.NOT_IN_SET, "kind")],
    }
    stats = statistics("demo", result, len(frame), row_failures(result, frame), 0.01)
    assert [(e["reason"], e["unexpected_count"]) for e in stats["expectations"]] == [
        ("<status>", 2), (reasons.NOT_IN_SET, 1)]
    assert stats["rows_failed"] == 2 and stats["evaluated_expectations"] == 2


def test_a_check_that_cannot_run_stops_the_batch_with_the_column_named():
    frame = pd.DataFrame({"source_row": [1, 2], "amount": ["12", "x"]})
    result = run_suite([
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0, meta={"reason": "r"})
    ], frame)
    with pytest.raises(BatchValidationError, match=r"demo: 1 check\(s\) could not run.*'amount'"):
        raise_for_errors("demo", result)
