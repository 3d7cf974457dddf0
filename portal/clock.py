"""The county's clock: due dates and "overdue" are judged on the county's calendar day."""
from __future__ import annotations

from shouwang.core.clock import today  # the county's day (settings county.timezone)

__all__ = ["today"]
