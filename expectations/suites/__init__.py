"""One Great Expectations suite per department, written as code; this module is their registry."""
from __future__ import annotations

import importlib

import great_expectations as gx

DEPARTMENTS = (
    "education",
    "health",
    "medical_insurance",
    "housing",
    "water",
    "civil_affairs",
    "hr",
    "emergency",
    "registry",
)


def build(department: str) -> gx.ExpectationSuite:
    """A fresh suite for ``department`` (a module name from DEPARTMENTS)."""
    if department not in DEPARTMENTS:
        raise ValueError(
            f"no expectation suite for department {department!r}; use one of: {', '.join(DEPARTMENTS)}"
        )
    module = importlib.import_module(f"expectations.suites.{department}")
    return gx.ExpectationSuite(name=department, expectations=module.expectations())


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
