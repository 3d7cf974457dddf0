"""validate_batch: run a department's suite once over a whole batch frame."""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from expectations import data_docs, outcome, parameters, runtime, suites
from expectations.outcome import ValidationOutcome
from shouwang import config


class BatchContractError(ValueError):
    """The frame lacks columns (or column types) the department's contract requires."""


def _blank_to_null(column: pd.Series) -> pd.Series:
    """Empty or whitespace-only text counts as missing."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return column
    text = column.astype("string")
    return column.where(~text.str.strip().eq("").fillna(False), None)


def prepare(department: str, frame: pd.DataFrame, suite) -> pd.DataFrame:
    """The columns the suite reads, positionally indexed, blanks as nulls, amounts as numbers."""
    needed = ["source_row", *suites.required_columns(suite)]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise BatchContractError(
            f"{department} batch lacks column(s) {', '.join(missing)}; "
            "map them in the department's connector contract before validating"
        )
    work = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in dict.fromkeys(["source_row", *suites.columns(suite)]):
        # Optional columns a file left out are validated as empty.
        work[name] = _blank_to_null(frame[name].reset_index(drop=True)) if name in frame else None
    for name in suites.numeric_columns(suite):
        if not pd.api.types.is_numeric_dtype(work[name]):
            work[name] = _as_numbers(department, name, work)
    return work


def _as_numbers(department: str, name: str, work: pd.DataFrame) -> pd.Series:
    """A numeric column from number-like text; other text is a contract error naming its rows."""
    numbers = pd.to_numeric(work[name], errors="coerce").astype("float64")
    unreadable = numbers.isna() & work[name].notna()
    if unreadable.any():
        rows = ", ".join(str(r) for r in work.loc[unreadable, "source_row"].head(5))
        raise BatchContractError(
            f"{department} batch column {name!r} holds text that is not a number in row(s) {rows}; "
            "the connector must parse amounts (12,345.60, 1.2万, 3000元) into numbers"
        )  # the cells themselves are not quoted: they may hold an ID or a phone
    return numbers


def validate_batch(department: str, frame: pd.DataFrame, docs_dir: Path | None = None) -> ValidationOutcome:
    """Validate one department batch; failing rows by source_row, statistics, optional Data Docs."""
    started = time.perf_counter()
    definition = runtime.validation_definition(department)  # unknown: ValueError listing known ones
    work = prepare(department, frame, definition.suite)
    values = parameters.resolve(suites.parameter_names(definition.suite), config.settings())
    result = definition.run(
        batch_parameters={"dataframe": work},
        expectation_parameters=values,
        result_format=runtime.RESULT_FORMAT,
    )
    outcome.raise_for_errors(department, result)
    failures = outcome.row_failures(result, work)
    docs_path = data_docs.write_page(result, department, docs_dir) if docs_dir is not None else None
    stats = outcome.statistics(department, result, len(work), failures, time.perf_counter() - started)
    return ValidationOutcome(failures=failures, statistics=stats, docs_path=docs_path, success=bool(result.success))
