"""Building blocks of the suites (`basic` derives from contracts, a department file adds
cross-field checks); each check carries its reason code in `meta`.

`meta["reason"]` is the reason code a failing row gets; `meta["column"]` (when set) is the
column reported instead of the one checked; `meta["reason_from"]` names a column whose value
is the reason code (the connector's ID parse status).
"""
from __future__ import annotations

import great_expectations as gx

from expectations import reasons
from expectations.custom import ExpectColumnValuesToBeIsoDatesBetween, ExpectColumnValuesToBeValidResidentId
from expectations.parameters import ceiling_param
from warehouse import identity

Expectations = list[gx.expectations.Expectation]

YES_NO = ("是", "否")


def param(name: str) -> dict:
    """A suite parameter reference, filled from settings at run time."""
    return {"$PARAMETER": name}


def required(*columns: str) -> Expectations:
    """Each column must have a value in every row."""
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column=c, meta={"reason": reasons.MISSING})
        for c in columns
    ]


def in_set(column: str, allowed: tuple[str, ...], optional: bool = False) -> Expectations:
    """Values come from the contract's enumeration (FEEDS.md)."""
    check = gx.expectations.ExpectColumnValuesToBeInSet(
        column=column, value_set=list(allowed), meta={"reason": reasons.NOT_IN_SET}
    )
    return [check] if optional else [*required(column), check]


def pattern(column: str, regex: str, reason: str, optional: bool = False) -> Expectations:
    """Values match a contract format (household numbers, phones)."""
    check = gx.expectations.ExpectColumnValuesToMatchRegex(column=column, regex=regex, meta={"reason": reason})
    return [check] if optional else [*required(column), check]


def amount(column: str, optional: bool = False) -> Expectations:
    """A yuan amount: not negative and below the configured sanity ceiling."""
    checks = [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column=column, min_value=0, meta={"reason": reasons.NEGATIVE_AMOUNT}
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column=column,
            max_value=param(ceiling_param(column)),
            meta={"reason": reasons.AMOUNT_ABOVE_CEILING},
        ),
    ]
    return checks if optional else [*required(column), *checks]


def not_more_than(part: str, whole: str) -> Expectations:
    """One amount is part of another (out-of-pocket within total cost)."""
    return [
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=whole,
            column_B=part,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta={"reason": reasons.AMOUNT_INCONSISTENT, "column": part},
        )
    ]


def count(column: str, low: str, high: str, optional: bool = False) -> Expectations:
    """A head count between two configured bounds."""
    check = gx.expectations.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=param(low),
        max_value=param(high),
        meta={"reason": reasons.COUNT_OUT_OF_RANGE},
    )
    return [check] if optional else [*required(column), check]


def date(column: str, optional: bool = False) -> Expectations:
    """An ISO date, not before the configured earliest date and not in the future."""
    check = ExpectColumnValuesToBeIsoDatesBetween(
        column=column,
        min_value=param("earliest_date"),
        max_value=param("today"),
        meta={"reason": reasons.DATE_OUT_OF_RANGE},
    )
    return [check] if optional else [*required(column), check]


def resident_id(column: str = "resident_id", status: str = "id_status") -> Expectations:
    """The connector's parse status first (its reason is the most precise), then the check digit."""
    return [
        *required(status),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column=status,
            value_set=[identity.OK, identity.UPGRADED_15],
            meta={"reason_from": status, "column": column},
        ),
        ExpectColumnValuesToBeValidResidentId(column=column, meta={"reason": identity.BAD_CHECKSUM}),
    ]

