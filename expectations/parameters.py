"""Suite parameters ({"$PARAMETER": name}) resolved from the `expectations:` settings section."""
from __future__ import annotations

import datetime as dt

CEILING_PREFIX = "ceiling_"


def ceiling_param(column: str) -> str:
    """The parameter name of one amount column's sanity ceiling."""
    return CEILING_PREFIX + column


def resolve(names: set[str], settings: dict, today: dt.date | None = None) -> dict:
    """Values for the named parameters: `today`, per-column amount ceilings, else the key itself."""
    section = settings.get("expectations") or {}
    values: dict = {}
    for name in sorted(names):
        if name == "today":
            values[name] = (today or dt.date.today()).isoformat()
        elif name.startswith(CEILING_PREFIX):
            column = name[len(CEILING_PREFIX):]
            values[name] = (section.get("amount_ceilings") or {}).get(column, section.get("amount_ceiling"))
        else:
            values[name] = section.get(name)
        if values[name] is None:
            key = "amount_ceiling" if name.startswith(CEILING_PREFIX) else name
            raise KeyError(f"settings: `expectations.{key}` is not set; add it to settings.yaml")
    return values
