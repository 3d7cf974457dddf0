"""The one table of rule operators: what each does, what value it takes, and in words.

The evaluator (``conditions``) and the validator (``validate``) both read ``OPERATORS``: an
operator added here is usable in rule YAML with nothing else to edit.
"""
from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from typing import Any, Callable

TRUE_WORDS = {"是", "true", "1", "y", "yes"}
FALSE_WORDS = {"否", "false", "0", "n", "no"}


def number(value: Any) -> float | None:
    """``value`` as a number (amounts may come as text with thousands commas), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def truth(value: Any) -> bool | None:
    """``value`` as a yes/no (是/否, true/false, 1/0, ...), else None."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    word = str(value).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def same(a: Any, b: Any) -> bool:
    """True when a field value equals a rule value, as given or as trimmed text."""
    if a is None or b is None:
        return a is b
    return a == b or str(a).strip() == str(b).strip()


def _amount(compare: Callable[[float, Any], bool]) -> Callable[[Any, Any], bool]:
    """A test on the field read as a number: a blank or unreadable amount never fires."""
    def test(value: Any, target: Any) -> bool:
        n = number(value)
        return n is not None and compare(n, target)
    return test


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def day(value: Any) -> dt.date | None:
    """``value`` as a date (a date, or ISO text as feeds store it), else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def months_before(as_of: dt.date, months: int) -> dt.date:
    """The day ``months`` calendar months before ``as_of`` (clamped to the month's last day)."""
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    month += 1
    for d in (as_of.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(as_of)  # pragma: no cover - day 28 exists in every month


def _within_months(value: Any, target: Any) -> bool:
    """The date lies in the ``months`` before ``as_of``: after the day that many months earlier,
    not after ``as_of`` (a date in the future is a typing error, never "recent")."""
    when, as_of = day(value), day(target[1])
    return when is not None and as_of is not None \
        and months_before(as_of, int(target[0])) < when <= as_of


def _months_and_day(value: Any) -> bool:
    return _is_pair(value) and number(value[0]) is not None and day(value[1]) is not None


@dataclass(frozen=True)
class Operator:
    """One operator: its test, the rule value it needs (None: any), and what it means."""

    test: Callable[[Any, Any], bool]  # (field value, rule value) -> does the condition hold
    description: str
    value_ok: Callable[[Any], bool] | None = None
    needs: str = ""  # the value it takes, in an error message: "`gt` needs a number, got ..."
    threshold: bool = False  # its value is a threshold a reason may show ({threshold}, {low}/{high})


_NUMBER = dict(value_ok=lambda v: number(v) is not None, needs="a number", threshold=True)
_LIST = dict(value_ok=lambda v: isinstance(v, list), needs="a list value")

OPERATORS: dict[str, Operator] = {
    "eq": Operator(lambda v, t: same(v, t), "the field equals the value"),
    "ne": Operator(lambda v, t: not same(v, t), "the field differs from the value"),
    "in": Operator(lambda v, t: any(same(v, x) for x in t), "the field is one of the values",
                   **_LIST),
    "not_in": Operator(lambda v, t: not any(same(v, x) for x in t),
                       "the field is none of the values", **_LIST),
    "is_true": Operator(lambda v, t: truth(v) is True, "the field says yes (是, true, 1)"),
    "is_false": Operator(lambda v, t: truth(v) is False, "the field says no (否, false, 0)"),
    "present": Operator(lambda v, t: v not in (None, ""), "the field is filled in"),
    "gt": Operator(_amount(operator.gt), "the amount is above the value", **_NUMBER),
    "ge": Operator(_amount(operator.ge), "the amount is at least the value", **_NUMBER),
    "lt": Operator(_amount(operator.lt), "the amount is below the value", **_NUMBER),
    "le": Operator(_amount(operator.le), "the amount is at most the value", **_NUMBER),
    "between": Operator(_amount(lambda n, t: t[0] <= n <= t[1]),
                        "the amount is within [low, high], both included",
                        value_ok=_is_pair, needs="[low, high]", threshold=True),
    # [months, as-of day]: the as-of day is usually $period.end, the period's last day (loader).
    "within_months": Operator(_within_months,
                              "the date lies within the given months up to the as-of day",
                              value_ok=_months_and_day, needs="[months, as-of date]"),
}
