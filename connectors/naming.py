"""What a feed's file name says: its department (a contract) and its reporting period."""
from __future__ import annotations

from connectors import catalog
from connectors.contract import Contract
from connectors.errors import FeedError


def resolve_period(from_name: str | None, given: str | None, source: str) -> str:
    """The feed's period: the file name's, else the run's; FeedError when unknown or in conflict."""
    if from_name and given and from_name != given:
        raise FeedError(f"{source}: the file name says period {from_name} but this run is for "
                        f"{given}; rename the file or land it with period {from_name}",
                        "period_mismatch")
    period = from_name or given
    if not period:
        raise FeedError(f"{source}: no reporting period in the file name; name it "
                        "<department>_<YYYY-MM>, e.g. 医保_2026-10.xlsx", "period_unparseable")
    return period


def department_of(name: str | None, source: str) -> Contract:
    """The contract named by a file's department part; FeedError for unknown or the roster."""
    try:
        contract = catalog.contract_for(name or "")
    except KeyError:
        known = ", ".join(f"{c.department}/{c.label}" for c in catalog.all_contracts())
        raise FeedError(f"{source}: unknown department {name!r} in the file name; name it "
                        f"<department>_<YYYY-MM> with one of: {known}", "unknown_department")
    if contract.department == catalog.ROSTER:
        raise FeedError(f"{source}: this is the roster (花名册); load it with "
                        "`shouwang registry load FILE`, not with ingest", "roster_in_landing")
    return contract
