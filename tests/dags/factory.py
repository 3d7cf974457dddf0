"""Warehouse rows the DAG tests start from (synthetic, written with the shared builder)."""
from __future__ import annotations

import datetime as dt

from tests.support.warehouse import building


def add_task(ctx, code: str, due: dt.date, status: str = "pending", township: str = "龙河镇") -> int:
    """A warning and its township verification task, due on ``due``."""
    with building(ctx, seal=False) as b:
        w = b.warning(code, f"hh:{code}", "illness", "red", "2026-10", reason="大病",
                      township=township)
        return b.task(w, status=status, due_date=due).id
