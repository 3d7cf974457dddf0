"""The evaluator: does a record's fields meet a rule condition (``all``/``any`` trees of operators)."""
from __future__ import annotations

from typing import Any

from screening.rules.operators import OPERATORS


class Trace:
    """What a condition check saw: labels of matched conditions and the thresholds compared."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.thresholds: list[Any] = []


def check(cond: dict, fields: dict, trace: Trace) -> bool:
    """True when ``fields`` meet ``cond``; matched labels and thresholds go to ``trace``."""
    if "all" in cond:
        return all([check(c, fields, trace) for c in cond["all"]])
    if "any" in cond:
        return any([check(c, fields, trace) for c in cond["any"]])  # list: collect every label
    op = OPERATORS[cond["op"]]
    ok = op.test(fields.get(cond["field"]), cond.get("value"))
    if ok:
        if cond.get("label"):
            trace.labels.append(cond["label"])
        if op.threshold:
            trace.thresholds.append(cond["value"])
    return ok
