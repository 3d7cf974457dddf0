"""The department contracts the suites are derived from, handed over by the connectors room.

Contracts are declared in `connectors/departments/` (one file per department); that room sits
above this one, so it registers each contract before asking for validation
(`connectors.plan`) instead of this room importing it. A contract here is anything with
``department`` and ``fields`` (each with ``name``, ``type``, ``blank_ok``, ``allowed``,
``pattern``): a `connectors.contract.Contract`.
"""
from __future__ import annotations

from typing import Any

_REGISTERED: dict[str, Any] = {}


def register(contract: Any) -> None:
    """Make ``contract`` the one validation uses for its department (again: a no-op)."""
    known = _REGISTERED.get(contract.department)
    if known is not None and known != contract:
        # The department's suite was built from the first one; a second would be ignored.
        raise ValueError(f"department {contract.department!r} already has a different contract; "
                         "declare each department once, in one contract file")
    _REGISTERED[contract.department] = contract


def contract_for(department: str) -> Any:
    """The registered contract of ``department``; ValueError naming the known ones."""
    try:
        return _REGISTERED[department]
    except KeyError:
        raise ValueError(f"no contract registered for department {department!r}; known: "
                         f"{', '.join(departments()) or 'none'}") from None


def departments() -> list[str]:
    """The departments with a registered contract, sorted."""
    return sorted(_REGISTERED)
