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


# The one set of PII detectors. Free text (messages, event details) also holds hashes and ids,
# so there an ID is a whole 18- or 15-character token and a phone a mainland mobile.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])", re.ASCII)
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)", re.ASCII)
# A source cell is what a department typed or Excel mangled: an ID with spaces inside, cut
# short or shown as 5.00230199e+17, and any 11-digit run starting with 1, are all masked.
_ID_IN_CELL = re.compile(r"\d{6}[\d\s]{7,11}[\dXx]|\d\.\d+[Ee]\+?1[47]")
_PHONE_IN_CELL = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_text(text: str) -> str:
    """Mask every ID and mobile number found inside free text (details, messages)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


def mask_cell(text: str) -> str:
    """A source cell with any ID-like or mobile-like digit run masked (quarantine ``raw``)."""
    # len() first and map(): this runs once per distinct cell of every column of every feed.
    if not text or len(text) < 7 or sum(map(str.isdigit, text)) < 7:
        return text
    text = _ID_IN_CELL.sub(lambda m: mask_id(m.group(0)), text)
    return _PHONE_IN_CELL.sub(lambda m: mask_phone(m.group(0)), text)


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
