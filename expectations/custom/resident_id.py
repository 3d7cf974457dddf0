"""A column map expectation: resident IDs carry the right GB 11643 check digit."""
from __future__ import annotations

from typing import ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from warehouse.identity import check_digit


def is_valid_resident_id(value: object, allow_15: bool = True) -> bool:
    """True for a cleaned 18-char ID whose ISO 7064 MOD 11-2 check digit matches (or a 15-digit one)."""
    s = str(value)
    if not s.isascii():  # str.isdigit() also accepts other scripts' digits
        return False
    if allow_15 and len(s) == 15 and s.isdigit():
        return True  # old numbers have no check digit; upgrading them computes one
    return len(s) == 18 and s[:17].isdigit() and check_digit(s[:17]) == s[17]


class ColumnValuesValidResidentId(ColumnMapMetricProvider):
    """Metric `column_values.valid_resident_id`: one yes/no per non-null cell."""

    condition_metric_name = "column_values.valid_resident_id"
    condition_value_keys = ("allow_15",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, allow_15: bool = True, **kwargs) -> pd.Series:
        return column.map(lambda v: is_valid_resident_id(v, allow_15))


class ExpectColumnValuesToBeValidResidentId(ColumnMapExpectation):
    """Expect each cleaned resident ID to be 18 chars with a matching check digit.

    Old 15-digit numbers pass while ``allow_15`` is true: they carry no check digit.
    Null cells are not judged here; a not-null expectation covers them.
    """

    allow_15: bool = True

    map_metric: ClassVar[str] = "column_values.valid_resident_id"
    success_keys: ClassVar[tuple[str, ...]] = ("allow_15", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column",)
    library_metadata: ClassVar[dict] = {"maturity": "experimental", "tags": ["shouwang", "pii"]}
