"""Text typed by people: trimmed, length-checked, no control characters (PostgreSQL refuses NUL)."""
from __future__ import annotations

import re

from portal.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, field: str, label: str, max_length: int) -> str | None:
    """``value`` stripped (None when blank), or InvalidInput naming the field."""
    text = (value or "").strip()
    if not text:
        return None
    if _CONTROL.search(text):
        raise InvalidInput(f"{label}含有不可见的控制字符，请重新输入", field)
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字符", field)
    return text
