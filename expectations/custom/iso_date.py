"""A column map expectation: ISO date strings that parse and fall inside a range."""
from __future__ import annotations

import datetime as dt
from typing import ClassVar, Union

import pandas as pd
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)


def _bound(value: object) -> pd.Timestamp:
    return pd.Timestamp(value if not isinstance(value, dt.datetime) else value.date())


class ColumnValuesIsoDatesBetween(ColumnMapMetricProvider):
    """Metric `column_values.iso_dates_between`: readable as an ISO date and within [min, max]."""

    condition_metric_name = "column_values.iso_dates_between"
    condition_value_keys = ("min_value", "max_value")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, min_value=None, max_value=None, **kwargs) -> pd.Series:
        # Vectorized: GX's own between metric refuses ISO strings once it parses the bounds.
        dates = pd.to_datetime(column.astype(str), format="ISO8601", errors="coerce")
        ok = dates.notna()
        if min_value is not None:
            ok &= dates >= _bound(min_value)
        if max_value is not None:
            ok &= dates <= _bound(max_value)
        return ok


class ExpectColumnValuesToBeIsoDatesBetween(ColumnMapExpectation):
    """Expect each date string (YYYY-MM-DD) to parse and lie between min_value and max_value."""

    min_value: Union[str, dt.date, SuiteParameterDict, None] = None
    max_value: Union[str, dt.date, SuiteParameterDict, None] = None

    map_metric: ClassVar[str] = "column_values.iso_dates_between"
    success_keys: ClassVar[tuple[str, ...]] = ("min_value", "max_value", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "min_value", "max_value")
    library_metadata: ClassVar[dict] = {"maturity": "experimental", "tags": ["shouwang"]}
