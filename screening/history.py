"""The warnings' append-only history: one row per change, collected and written in one batch."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from warehouse.db import in_chunks
from warehouse.masking import mask_text, mask_values
from warehouse.models import WarningHistory

ACTOR = "screening"  # entries the pipeline writes; the portal writes the user's name


def entry(warning_id: int, kind: str, period: str | None, at: dt.datetime, reason: str,
          from_status: str | None = None, to_status: str | None = None,
          actor: str = ACTOR, fields: dict | None = None) -> dict:
    """One history row (a plain dict for a batched insert); the reason and the changed
    ``fields`` are masked for IDs/phones."""
    return {"warning_id": warning_id, "at": at, "period": period, "kind": kind,
            "from_status": from_status, "to_status": to_status, "reason": mask_text(reason),
            "actor": actor, "fields": mask_values(fields) if fields else None}


def append(session: Session, rows: list[dict]) -> None:
    """Write ``rows`` in one executemany (the table rejects UPDATE and DELETE)."""
    if rows:
        session.execute(insert(WarningHistory), rows)


def of_warning(session: Session, warning_id: int) -> list[WarningHistory]:
    """Every entry of one warning, oldest first (ids ascend with time)."""
    return list(session.scalars(select(WarningHistory).where(WarningHistory.warning_id == warning_id)
                                .order_by(WarningHistory.id)))


def latest_kinds(session: Session, warning_ids: list[int]) -> dict[int, str]:
    """The kind of each warning's most recent history entry."""
    latest: dict[int, str] = {}
    for part in in_chunks(warning_ids):
        for warning_id, kind in session.execute(
                select(WarningHistory.warning_id, WarningHistory.kind)
                .where(WarningHistory.warning_id.in_(part)).order_by(WarningHistory.id)):
            latest[warning_id] = kind  # ascending ids: the last one seen is the latest
    return latest
