"""A warning's reason in words: a rule's template filled with the record's fields and thresholds."""
from __future__ import annotations

from screening.rules.conditions import Trace
from screening.rules.operators import number


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def format_reason(template: str, fields: dict, trace: Trace | None = None) -> str:
    """Fill a reason template; amounts given as text are read as numbers when a format needs it."""
    values = _Blank({k: v for k, v in fields.items() if not k.startswith("_")})
    if trace is not None:
        values["matched"] = "、".join(trace.labels)
        for t in trace.thresholds:
            if isinstance(t, (list, tuple)):
                values.setdefault("low", t[0])
                values.setdefault("high", t[1])
            else:
                values.setdefault("threshold", t)
    try:
        return template.format_map(values)
    except (ValueError, TypeError):
        numeric = _Blank({k: (number(v) if number(v) is not None else v) for k, v in values.items()})
        try:
            return template.format_map(numeric)
        except (ValueError, TypeError):
            return template  # never lose the warning over a reason's formatting
