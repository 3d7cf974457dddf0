"""A match explanation in words: the text_zh waterfall as short Chinese sentences, never a dict."""
from __future__ import annotations

import re

from matching.explain import render_zh
from portal.labels import LINK_STATUS

_SENTENCE_END = re.compile(r"[；。]")
_ASCII_BRACKETS = str.maketrans("()", "（）")


def explanation_sentences(explanation: dict | None, status: str | None,
                          probability: float | None) -> list[str]:
    """身份证号一致（+13.9）, 姓名完全一致（+2.2）, … and last 综合：自动匹配，概率 1.00."""
    explanation = explanation or {}
    text = explanation.get("text_zh") or ""
    if not text and explanation.get("terms"):  # stored before text_zh existed: render it now
        text = render_zh(explanation)
    lines = [part.strip().translate(_ASCII_BRACKETS) for part in _SENTENCE_END.split(text)]
    lines = [line for line in lines if line]
    if status:
        shown = "" if probability is None else f"，概率 {probability:.2f}"
        lines.append(f"综合：{LINK_STATUS.get(status, status)}{shown}")
    return lines
