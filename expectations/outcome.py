"""Turn a GX validation result into row failures (source_row → reasons) and compact statistics."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from warehouse.masking import mask_text

Failure = tuple[str, str | None]


class BatchValidationError(RuntimeError):
    """An expectation could not run on the batch (so its rows were not judged)."""


@dataclass
class ValidationOutcome:
    """What validating one batch found: failing rows with reasons, statistics, the Data Docs page."""

    failures: dict[int, list[Failure]] = field(default_factory=dict)
    statistics: dict = field(default_factory=dict)
    docs_path: Path | None = None
    success: bool = True


def _reason_column(result) -> tuple[dict, str | None]:
    config = result.expectation_config
    meta = config.meta or {}
    kwargs = config.kwargs
    return meta, meta.get("column") or kwargs.get("column") or kwargs.get("column_B")


def raise_for_errors(department: str, result) -> None:
    """Stop the batch when an expectation raised instead of judging rows."""
    broken = []
    for r in result.results:
        info = r.exception_info or {}
        if "raised_exception" not in info:  # keyed by metric when a metric failed
            info = next(iter(info.values()), {}) if info else {}
        if info.get("raised_exception"):
            _, column = _reason_column(r)
            message = mask_text(str(info.get("exception_message") or "").split("\n")[0][:200])
            broken.append(f"{r.expectation_config.type} on column {column!r}: {message}")
    if broken:
        raise BatchValidationError(
            f"{department}: {len(broken)} check(s) could not run; fix the batch's column types "
            "(dates as YYYY-MM-DD text, amounts as numbers): " + "; ".join(broken)
        )


def row_failures(result, frame: pd.DataFrame) -> dict[int, list[Failure]]:
    """source_row → [(reason, column)]; one reason per row and column, the first check in suite order."""
    source_rows = frame["source_row"].to_numpy()
    failures: dict[int, list[Failure]] = {}
    for r in result.results:
        if r.success:
            continue
        meta, column = _reason_column(r)
        index = r.result.get("unexpected_index_list") or []
        if meta.get("reason_from"):
            reasons = frame[meta["reason_from"]].to_numpy()[index]
        else:
            reasons = [meta.get("reason", r.expectation_config.type)] * len(index)
        for i, reason in zip(index, reasons):
            row = failures.setdefault(int(source_rows[i]), [])
            if all(c != column for _, c in row):
                row.append((str(reason), column))
    return failures


def statistics(department: str, result, rows: int, failures: dict, seconds: float) -> dict:
    """A compact, PII-free summary like GX's describe_dict, with unexpected counts per check."""
    stats = result.statistics
    checks = []
    for r in result.results:
        meta, column = _reason_column(r)
        checks.append(
            {
                "expectation": r.expectation_config.type,
                "column": column,
                "reason": meta.get("reason") or f"<{meta.get('reason_from')}>",
                "success": bool(r.success),
                "unexpected_count": int((r.result or {}).get("unexpected_count") or 0),
            }
        )
    return {
        "department": department,
        "rows": rows,
        "rows_failed": len(failures),
        "evaluated_expectations": stats["evaluated_expectations"],
        "successful_expectations": stats["successful_expectations"],
        "unsuccessful_expectations": stats["unsuccessful_expectations"],
        "success_percent": stats["success_percent"],
        "seconds": round(seconds, 3),
        "expectations": checks,
    }
