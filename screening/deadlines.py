"""Due dates of warnings: working days by level (settings `sla:`) from the local issue date."""
from __future__ import annotations

import datetime as dt

from screening.calendar import add_working_days
# The county's clock (settings county.timezone) is shouwang.core.clock's; re-exported for screening.
from shouwang.core.clock import as_utc, local_date

__all__ = ["as_utc", "due_date", "local_date"]


def due_date(level: str, issued_at: dt.datetime, settings: dict) -> dt.date:
    """The date a warning of ``level`` issued at ``issued_at`` must be verified by."""
    sla = settings["sla"]
    if level not in sla:
        raise KeyError(f"settings `sla:` has no working-day limit for level {level!r}; add one")
    return add_working_days(local_date(issued_at, settings), int(sla[level]))
