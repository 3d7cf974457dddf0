"""The one masking function for resident IDs and phones shown to people."""
from __future__ import annotations

import re


def mask_id(value: str | None) -> str:
    """Show an ID as 500230********1234: first six and last four, the rest starred."""
    if not value:
        return ""
    # str.split() drops exactly the characters regex \s matches, without a regex per call.
    s = "".join(str(value).split())
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


# An ID (18 chars, or an old 15-digit one) or a mainland mobile number inside free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])", re.ASCII)
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)", re.ASCII)


def mask_text(text: str) -> str:
    """Mask every ID and mobile number found inside free text (details, messages)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


def mask_values(value: object) -> object:
    """``mask_text`` applied to every string inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_values(k): mask_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_values(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        masked = mask_text(str(value))  # an ID that arrived as a number
        return value if masked == str(value) else masked
    return value
