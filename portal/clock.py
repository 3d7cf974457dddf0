"""The county's clock: due dates and "overdue" are judged on the county's calendar day."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def today(settings: dict) -> dt.date:
    """Today's date in the county's time zone (settings portal.timezone)."""
    return dt.datetime.now(ZoneInfo(settings["portal"]["timezone"])).date()
