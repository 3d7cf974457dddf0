"""Every department contract, found by module name, Chinese name or alias.

A department is a module in `connectors/departments/` that defines ``CONTRACT``; adding a
ninth department is adding one file there (plus, if it needs them, its cross-field checks in
`expectations/suites/<department>.py` and a rule in the rules YAML). A county keeps its own
contract files outside the package in the folders named by ``SHOUWANG_CONTRACTS`` (separated
like PATH); a module name already taken by a packaged department is ignored there.

The list of departments (Airflow's assets and late report, the digest's and the portal's
department labels) is read from here, in the order of each contract's ``order``.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from connectors import departments
from connectors.contract import Contract
from shouwang.core import periods
from shouwang.core.errors import UserError

ROSTER = "registry"
ENV_CONTRACTS = "SHOUWANG_CONTRACTS"
# <dept>_<YYYY-MM>[anything], e.g. 医保_2026-10.xlsx or medical_insurance_202610_更正.csv
_FILE_NAME = re.compile(r"^(?P<dept>.+?)[_\-\s]+(?P<year>\d{4})-?(?P<month>\d{2})(?!\d)(?P<rest>.*)$")


def contract_dirs() -> tuple[str, ...]:
    """The extra contract folders named by SHOUWANG_CONTRACTS; UserError for one that is missing."""
    dirs = tuple(d for d in os.environ.get(ENV_CONTRACTS, "").split(os.pathsep) if d.strip())
    for d in dirs:
        if not Path(d).is_dir():
            raise UserError(f"{ENV_CONTRACTS}: contract folder {d} does not exist; create it or "
                            f"remove it from {ENV_CONTRACTS}")
    return dirs


def _import(info: pkgutil.ModuleInfo) -> ModuleType:
    """A department module, imported as ``connectors.departments.<name>`` wherever its file is."""
    qualified = f"{departments.__name__}.{info.name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = info.module_finder.find_spec(qualified)
    if spec is None or spec.loader is None:  # not a module file after all (a stray folder)
        return importlib.import_module(qualified)
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[qualified]  # a broken contract file must not stay half-imported
        raise
    return module


@lru_cache(maxsize=4)
def _contracts(extra: tuple[str, ...] = ()) -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    # iter_modules yields each module name once, from the first folder that has it.
    for info in pkgutil.iter_modules([*departments.__path__, *extra]):
        contract = getattr(_import(info), "CONTRACT", None)
        if isinstance(contract, Contract):
            found[contract.department] = contract
    return found


@lru_cache(maxsize=4)
def _by_name(extra: tuple[str, ...] = ()) -> dict[str, Contract]:
    table: dict[str, Contract] = {}
    for contract in _contracts(extra).values():
        for name in contract.names:
            table[name.lower()] = contract
    return table


def all_contracts(include_roster: bool = False) -> list[Contract]:
    """The department contracts (the roster's only when asked), sorted by module name."""
    found = _contracts(contract_dirs())
    return [c for k, c in sorted(found.items()) if include_roster or k != ROSTER]


def department_labels() -> dict[str, str]:
    """Module name → Chinese label of every department (not the roster), in list order."""
    listed = sorted(all_contracts(), key=lambda c: (c.order, c.department))
    return {c.department: c.label for c in listed}


def department_names() -> list[str]:
    """The departments expected every month (module names, not the roster), in list order."""
    return list(department_labels())


def contract_for(name: str) -> Contract:
    """The contract named ``name`` (module name, Chinese name or alias); KeyError if none."""
    hit = _by_name(contract_dirs()).get(name.strip().lower())
    if hit is None:
        known = ", ".join(f"{c.department} ({c.label})" for c in all_contracts())
        raise KeyError(f"unknown department {name!r}; known: {known}")
    return hit


def parse_file_name(stem: str) -> tuple[str | None, str | None]:
    """(department name as written, period YYYY-MM or None) from a file name without suffix."""
    m = _FILE_NAME.match(stem.strip())
    if not m:
        return stem.strip() or None, None
    # 202610 and 2026-10 alike; a month that is no month (2026-13) names no period.
    period = f"{m.group('year')}-{m.group('month')}"
    return m.group("dept"), period if periods.is_period(period) else None
