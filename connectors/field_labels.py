"""Chinese names of department fields (学籍状态 for education.enrollment_status), read from the
contracts: the one lookup the portal, the township lists and the digest use for an indicator."""
from __future__ import annotations

from connectors.catalog import contract_for


def field_label(department: str, name: str, default: str | None = None) -> str:
    """The first Chinese header of ``department``'s field ``name``; ``default`` (else the name
    itself) for a field no contract has, e.g. a rule's composite indicator such as water_checks."""
    try:
        return contract_for(department).field(name).headers[0]
    except KeyError:  # an unknown department or field: a county's rule may name its own
        return default or name
