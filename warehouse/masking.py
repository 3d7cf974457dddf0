"""The one masking function for resident IDs and phones shown to people."""
from __future__ import annotations

import re


def mask_id(value: str | None) -> str:
    """Show an ID as 500230********1234: first six and last four, the rest starred."""
    if not value:
        return ""
    s = re.sub(r"\s+", "", str(value))
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_phone(value: str | None) -> str:
    """Show a phone as 138****5678."""
    if not value:
        return ""
    s = re.sub(r"\D", "", str(value))
    if len(s) < 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]
