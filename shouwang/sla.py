"""Verification deadlines: escalate township verification tasks that are past their due date.

An overdue task gets ``escalated_at`` and one pipeline_events row of kind "overdue", which the
county digest lists. Escalation happens once per task, so daily reruns and backfills add nothing.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from shouwang.context import Context
from shouwang.core import clock


def escalate_overdue(ctx: Context, as_of: dt.datetime, timezone: str | None = None) -> dict:
    """Escalate every open verification task due before ``as_of``'s local date; return counts.

    ``as_of`` is the run's data-interval end, so a backfill gives the state the day would have.
    """
    from sqlalchemy import func, select

    from warehouse.db import session_scope
    from warehouse.models import PipelineEvent, VerificationTask, RiskWarning

    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (the run's data-interval end)")
    tz = ZoneInfo(timezone) if timezone else clock.zone(ctx.settings)
    today = as_of.astimezone(tz).date()
    escalated = 0
    townships: set[str] = set()
    with session_scope(ctx.engine) as s:
        rows = s.execute(
            select(VerificationTask, RiskWarning.code, RiskWarning.last_period)
            .join(RiskWarning, RiskWarning.id == VerificationTask.warning_id)
            .where(
                VerificationTask.status != "done",
                RiskWarning.status != "withdrawn",  # a corrected feed took the risk back
                VerificationTask.due_date.is_not(None),
                VerificationTask.due_date < today,
                VerificationTask.escalated_at.is_(None),
            )
            .order_by(VerificationTask.id)
        ).all()
        for task, code, period in rows:
            task.escalated_at = as_of
            townships.add(task.township or "")
            s.add(PipelineEvent(
                at=as_of, kind="overdue", period=period,
                detail=f"verification of warning {code} in {task.township or 'unknown township'} "
                       f"was due {task.due_date.isoformat()} and is not done",
            ))
            escalated += 1
        s.flush()
        overdue_open = s.scalar(
            select(func.count(VerificationTask.id)).where(
                VerificationTask.status != "done", VerificationTask.due_date < today
            )
        )
    return {"escalated": escalated, "townships": len(townships),
            "overdue_open": int(overdue_open or 0), "as_of": today.isoformat()}
