"""One Great Expectations suite per department: the checks derived from its contract
(`basic`), then its own cross-field checks, if it has a module here (`<department>.py` with
``expectations()``, e.g. medical_insurance: out-of-pocket within total cost).
"""
from __future__ import annotations

import importlib
import importlib.util

import great_expectations as gx

from expectations import contracts
from expectations.suites import basic, common


def own_checks(department: str) -> common.Expectations:
    """The department's cross-field checks from `expectations/suites/<department>.py`, or none."""
    name = f"{__name__}.{department}"
    try:
        found = department.isidentifier() and importlib.util.find_spec(name) is not None
    except ImportError:  # pragma: no cover - a name find_spec cannot look up
        found = False
    if not found:
        return []
    # `common` and `basic` live here too and have no ``expectations``.
    checks = getattr(importlib.import_module(name), "expectations", None)
    return list(checks()) if callable(checks) else []


def build(department: str) -> gx.ExpectationSuite:
    """A fresh suite for ``department`` from its registered contract (ValueError if none)."""
    contract = contracts.contract_for(department)
    return gx.ExpectationSuite(name=department,
                               expectations=[*basic.checks(contract), *own_checks(department)])


def _kwargs(suite: gx.ExpectationSuite) -> list[dict]:
    return [e.configuration.kwargs for e in suite.expectations]


def columns(suite: gx.ExpectationSuite) -> list[str]:
    """Every column the suite reads, in first-use order."""
    seen: dict[str, None] = {}
    for kw in _kwargs(suite):
        for key in ("column", "column_A", "column_B"):
            if kw.get(key):
                seen[kw[key]] = None
    return list(seen)


def required_columns(suite: gx.ExpectationSuite) -> list[str]:
    """Columns that must be present and filled: those with a not-null expectation."""
    return [
        e.column
        for e in suite.expectations
        if isinstance(e, gx.expectations.ExpectColumnValuesToNotBeNull)
    ]


def numeric_columns(suite: gx.ExpectationSuite) -> list[str]:
    """Columns compared with numeric bounds (amounts and counts)."""
    return list(
        dict.fromkeys(
            e.column for e in suite.expectations if isinstance(e, gx.expectations.ExpectColumnValuesToBeBetween)
        )
    )


def parameter_names(suite: gx.ExpectationSuite) -> set[str]:
    """Names of the suite parameters ({"$PARAMETER": name}) the suite needs at run time."""
    return {
        value["$PARAMETER"]
        for kw in _kwargs(suite)
        for value in kw.values()
        if isinstance(value, dict) and "$PARAMETER" in value
    }
