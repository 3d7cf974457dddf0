"""Every department contract, found by module name, Chinese name or alias.

A department is a module in `connectors/departments/` that defines ``CONTRACT``; adding a
ninth department is adding one file there.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from connectors import departments
from connectors.contract import Contract

ROSTER = "registry"
# <dept>_<YYYY-MM>[anything], e.g. 医保_2026-10.xlsx or medical_insurance_202610_更正.csv
_FILE_NAME = re.compile(r"^(?P<dept>.+?)[_\-\s]+(?P<year>\d{4})-?(?P<month>\d{2})(?!\d)(?P<rest>.*)$")


@lru_cache(maxsize=1)
def _contracts() -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    for info in pkgutil.iter_modules(departments.__path__):
        module = importlib.import_module(f"{departments.__name__}.{info.name}")
        contract = getattr(module, "CONTRACT", None)
        if isinstance(contract, Contract):
            found[contract.department] = contract
    return found


@lru_cache(maxsize=1)
def _by_name() -> dict[str, Contract]:
    table: dict[str, Contract] = {}
    for contract in _contracts().values():
        for name in contract.names:
            table[name.lower()] = contract
    return table


def all_contracts(include_roster: bool = False) -> list[Contract]:
    """The department contracts (the roster's only when asked), sorted by module name."""
    return [c for k, c in sorted(_contracts().items()) if include_roster or k != ROSTER]


def contract_for(name: str) -> Contract:
    """The contract named ``name`` (module name, Chinese name or alias); KeyError if none."""
    hit = _by_name().get(name.strip().lower())
    if hit is None:
        known = ", ".join(f"{c.department} ({c.label})" for c in all_contracts())
        raise KeyError(f"unknown department {name!r}; known: {known}")
    return hit


def parse_file_name(stem: str) -> tuple[str | None, str | None]:
    """(department name as written, period YYYY-MM or None) from a file name without suffix."""
    m = _FILE_NAME.match(stem.strip())
    if not m:
        return stem.strip() or None, None
    month = int(m.group("month"))
    period = f"{m.group('year')}-{month:02d}" if 1 <= month <= 12 else None
    return m.group("dept"), period
