"""Last line of defence for text people see: mask anything shaped like a resident ID or a phone."""
from __future__ import annotations

import re

from warehouse.masking import mask_id, mask_phone

# 18-char and old 15-digit IDs; 11-digit mobiles. Not inside longer digit runs (hashes, times).
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(1\d{10})(?![0-9A-Za-z])")


def mask_personal_numbers(text: str) -> str:
    """Replace ID- and phone-shaped numbers in ``text`` by their masked forms."""
    text = _ID.sub(lambda m: mask_id(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
