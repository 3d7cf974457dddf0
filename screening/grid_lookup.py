"""Which villager group and grid a household is in, and who its grid worker is (issue 17).

The township's lists and the portal call ``grid_columns`` so that each line can go to the
person who knows the family. Phones come out masked (138****5678); ``worker_phone`` opens the
sealed number for the one place that shows it whole: the authenticated warning page
(docs/grids.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.db import in_chunks
from warehouse.grid_tables import Grid, HouseholdGrid
from warehouse.models import Household
from warehouse.sensitive import PHONE, aad


@dataclass(frozen=True)
class GridInfo:
    """A household's 组 and grid with its worker; phones masked. Blank when no ledger is loaded."""

    group: str | None = None  # the roster's 组 of the household
    grid: str | None = None  # 村组网格名称
    grid_id: int | None = None
    worker_name: str | None = None
    worker_role: str | None = None
    worker_phone_masked: str | None = None
    cadre_name: str | None = None  # the village cadre who answers for the grid
    cadre_phone_masked: str | None = None


# The list columns a township list or export adds for a household, in order.
GRID_HEADERS = ("组", "网格", "网格员", "网格员电话")


def grid_columns(session: Session, household_ids: Iterable[int]) -> dict[int, GridInfo]:
    """GridInfo of each existing household among ``household_ids`` (a household without a grid
    still has its 组)."""
    out: dict[int, GridInfo] = {}
    for chunk in in_chunks(sorted({h for h in household_ids if h is not None})):
        rows = session.execute(
            select(Household.id, Household.group_name, Grid)
            .outerjoin(HouseholdGrid, HouseholdGrid.household_id == Household.id)
            .outerjoin(Grid, Grid.id == HouseholdGrid.grid_id)
            .where(Household.id.in_(chunk)))
        for hid, group, grid in rows:
            out[hid] = GridInfo(group=group) if grid is None else GridInfo(
                group=group, grid=grid.name, grid_id=grid.id, worker_name=grid.worker_name,
                worker_role=grid.worker_role, worker_phone_masked=grid.worker_phone_masked,
                cadre_name=grid.cadre_name, cadre_phone_masked=grid.cadre_phone_masked)
    return out


def grid_cells(info: GridInfo | None) -> list[str]:
    """The GRID_HEADERS cells of one household (blank cells when it has no grid)."""
    if info is None:
        return ["", "", "", ""]
    return [info.group or "", info.grid or "", info.worker_name or "", info.worker_phone_masked or ""]


def worker_phone(session: Session, vault, grid_id: int) -> str | None:
    """The grid worker's whole phone number, opened from its seal (None if the ledger has none)."""
    grid = session.get(Grid, grid_id)
    if grid is None or not grid.worker_phone_cipher:
        return None
    return vault.open(PHONE, grid.worker_phone_cipher,
                      aad(Grid.__tablename__, "worker_phone_cipher", grid.uid))
