"""A grid ledger for the portal's seeded households, loaded through `grids load` itself."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from connectors.grids import load_grids
from warehouse.db import session_scope
from warehouse.models import Household

# A synthetic mobile number (no real subscriber) for every grid worker of the seed.
WORKER_PHONE = "13700000001"


def load_seed_grids(ctx, folder: Path, grid_of=lambda hid, town, village: "一网格") -> dict[int, str]:
    """Write 网格台账.xlsx (a grid row per village and name, a 户编号 sheet placing every
    household by ``grid_of``) into ``folder`` and load it; household id -> grid name."""
    with session_scope(ctx.engine) as s:
        households = s.execute(select(Household.id, Household.household_no, Household.township,
                                      Household.village).order_by(Household.id)).all()
    placed = {hid: grid_of(hid, town, village) for hid, _, town, village in households}
    wb = Workbook()
    ledger = wb.active
    ledger.title = "网格台账"
    ledger.append(["乡镇", "村", "村组网格名称", "网格员姓名", "网格员联系电话"])
    for town, village, grid in sorted({(t, v, placed[h]) for h, _, t, v in households}):
        ledger.append([town, village, grid, f"{village}{grid}员", WORKER_PHONE])
    members = wb.create_sheet("网格农户")
    members.append(["户编号", "村组网格名称"])
    for hid, no, _, _ in households:
        members.append([no, placed[hid]])
    wb.save(folder / "网格台账.xlsx")
    load_grids(ctx, folder / "网格台账.xlsx")
    return placed
