"""The basic checks of every department's suite, derived from its contract, field by field.

In contract order: a field that is not ``blank_ok`` must be filled; a field with ``allowed``
values (enums, and text with a closed list) and a 是/否 flag take only those; dates are ISO
and in range; amounts are not negative and under their ceiling; whole numbers lie between
`expectations.<field>_min` and `_max`; phones and ``pattern`` fields match their format; the
person's ID (a required ``id`` field) is judged by its parse status and check digit. Names,
places and other text need only be filled when required.
"""
from __future__ import annotations

from typing import Any

from expectations import reasons
from expectations.suites import common as c

# Mainland mobile (11 digits) or a landline with area code; values never reach results or docs.
# Stricter than the connector's phone parser (7-8 digit local numbers load there): such a
# roster row is quarantined `bad_format` here, as it always was.
PHONE = r"^(?:1\d{10}|0\d{2,3}-?\d{7,8})$"


def checks(contract: Any) -> c.Expectations:
    """The contract's basic checks (a `connectors.contract.Contract` or alike)."""
    return [e for f in contract.fields for e in field_checks(f)]


def field_checks(f: Any) -> c.Expectations:
    """The checks of one contract field; required fields get their not-null check first."""
    optional = bool(f.blank_ok)
    if f.type == "id":  # another person's ID (a guardian's) is not the row's: loaded as it is
        return [] if optional else c.resident_id(f.name)
    if f.allowed:
        return c.in_set(f.name, tuple(f.allowed), optional)
    if f.type == "bool":  # the frame holds the file's words again (connectors.plan)
        return c.in_set(f.name, c.YES_NO, optional)
    if f.type == "date":
        return c.date(f.name, optional)
    if f.type == "amount":
        return c.amount(f.name, optional)
    if f.type == "int":
        return c.count(f.name, f"{f.name}_min", f"{f.name}_max", optional)
    if f.type == "phone":
        return c.pattern(f.name, PHONE, reasons.BAD_FORMAT, optional)
    if f.pattern:
        return c.pattern(f.name, f"^(?:{f.pattern})$", reasons.BAD_FORMAT, optional)
    return [] if optional else c.required(f.name)
