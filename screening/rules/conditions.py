"""The evaluator: does a record's fields meet a rule condition (``all``/``any`` trees of operators)."""
from __future__ import annotations

from typing import Any, Callable

from screening.rules.operators import OPERATORS


class Trace:
    """What a condition check saw: labels of matched conditions and the thresholds compared."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.thresholds: list[Any] = []


Predicate = Callable[[dict, Trace], bool]


def compile_condition(cond: dict) -> Predicate:
    """``cond`` as a function of (fields, trace), its operators looked up once.

    A county's hundred thousand roster households meet every roster rule each period: reading
    the condition's dict and the operator table per record was most of that time.
    """
    if "all" in cond:
        parts = [compile_condition(c) for c in cond["all"]]
        # Stops at the first miss: a tier that fails is dropped with its trace, so nothing is lost.
        return lambda fields, trace: all(p(fields, trace) for p in parts)
    if "any" in cond:
        anys = [compile_condition(c) for c in cond["any"]]
        return lambda fields, trace: any([p(fields, trace) for p in anys])  # list: every label
    op = OPERATORS[cond["op"]]
    test, name, value, label = op.test, cond["field"], cond.get("value"), cond.get("label")
    threshold = op.threshold

    def leaf(fields: dict, trace: Trace) -> bool:
        ok = test(fields.get(name), value)
        if ok:
            if label:
                trace.labels.append(label)
            if threshold:
                trace.thresholds.append(value)
        return ok
    return leaf


def check(cond: dict, fields: dict, trace: Trace) -> bool:
    """True when ``fields`` meet ``cond``; matched labels and thresholds go to ``trace``."""
    return compile_condition(cond)(fields, trace)
