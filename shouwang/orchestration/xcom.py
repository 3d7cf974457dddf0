"""What may pass through XCom: ids, counts and masked text; and the idempotency key of an ingest."""
from __future__ import annotations

_SUMMARY_KEYS = (
    "batch_id", "department", "period", "status", "source_file",
    "rows_read", "rows_loaded", "rows_quarantined", "rows_merged", "rows_totals", "superseded", "error",
    "note",  # why a batch is held and the command that applies it (file names and counts)
)


def ingest_key(department: str, period: str, checksum: str, interval: tuple[object, object]) -> str:
    """The idempotency key of one ingest: department, period, file checksum and data interval."""
    start, end = (v.isoformat() if hasattr(v, "isoformat") else str(v) for v in interval)
    return f"{department}/{period}/{checksum[:16]}/{start}/{end}"


def scrub(text: str | None) -> str | None:
    """``text`` with any ID or phone masked (warehouse.masking.mask_text), for XCom and events."""
    from warehouse.masking import mask_text

    return None if text is None else mask_text(str(text))


def safe_summary(summary: dict) -> dict:
    """An ingest summary reduced to ids and counts (and a scrubbed error) for XCom."""
    out = {k: summary.get(k) for k in _SUMMARY_KEYS if k in summary}
    out["error"] = scrub(out.get("error"))
    if "note" in out:
        out["note"] = scrub(out["note"])
    return out


def counts_only(result: dict | None, period: str) -> dict:
    """A stage's result reduced to its numbers, plus the period: safe to pass through XCom."""
    kept = {k: v for k, v in (result or {}).items() if isinstance(v, (int, float, bool))}
    return {"period": period, **kept}
