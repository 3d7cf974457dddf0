"""Ages the rules read (compulsory schooling age, for one)."""
from __future__ import annotations

import datetime as dt


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    """Whole years of age on ``day``."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
