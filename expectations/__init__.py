"""Validation of department batches with Great Expectations: one suite per department.

Exports are loaded lazily so importing the package (e.g. from a DAG file) does not import GX.
"""
from __future__ import annotations

__all__ = ["ValidationOutcome", "validate_batch", "BatchContractError", "BatchValidationError"]


def __getattr__(name: str):
    if name in ("ValidationOutcome", "BatchValidationError"):
        from expectations import outcome

        return getattr(outcome, name)
    if name in ("validate_batch", "BatchContractError"):
        from expectations import validate

        return getattr(validate, name)
    raise AttributeError(f"module 'expectations' has no attribute {name!r}")
