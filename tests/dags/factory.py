"""Warehouse rows the DAG tests start from (synthetic, written with the real models)."""
from __future__ import annotations

import datetime as dt

from warehouse.db import session_scope
from warehouse.models import VerificationTask, Warning


def add_task(ctx, code: str, due: dt.date, status: str = "pending", township: str = "龙河镇") -> int:
    """A warning and its township verification task, due on ``due``."""
    with session_scope(ctx.engine) as s:
        w = Warning(code=code, subject_key=f"hh:{code}", risk_type="illness", level="red",
                    action="assistance_review", reason="大病", opened_period="2026-10",
                    last_period="2026-10", township=township)
        s.add(w)
        s.flush()
        task = VerificationTask(warning_id=w.id, township=township, status=status, due_date=due)
        s.add(task)
        s.flush()
        return task.id
