"""pipeline_events rows the digest lists (late feeds, failures), each added once."""
from __future__ import annotations

import datetime as dt

from shouwang.context import Context
from shouwang.orchestration.xcom import scrub


def record_event(
    ctx: Context, kind: str, detail: str, *, department: str | None = None,
    period: str | None = None, at: dt.datetime | None = None,
) -> bool:
    """Add a pipeline_events row unless the same one is there already; True when added.

    The same kind, department, period and detail make the same event, so reruns add nothing.
    """
    from sqlalchemy import select

    from warehouse.db import session_scope
    from warehouse.models import PipelineEvent

    detail = scrub(detail)
    with session_scope(ctx.engine) as s:
        exists = s.scalar(
            select(PipelineEvent.id).where(
                PipelineEvent.kind == kind,
                PipelineEvent.department.is_(None) if department is None else PipelineEvent.department == department,
                PipelineEvent.period.is_(None) if period is None else PipelineEvent.period == period,
                PipelineEvent.detail == detail,
            ).limit(1)
        )
        if exists:
            return False
        event = PipelineEvent(kind=kind, department=department, period=period, detail=detail)
        if at is not None:
            event.at = at
        s.add(event)
    return True


def report_missing(ctx: Context, period: str, present: list[str], at: dt.datetime | None = None) -> list[str]:
    """Record a "late" event for each expected department with no file for ``period``."""
    from connectors.catalog import contract_for, department_names

    missing = sorted(set(department_names()) - set(present))
    for dept in missing:
        record_event(ctx, "late", f"no {dept} ({contract_for(dept).label}) file for {period} in the landing folder",
                     department=dept, period=period, at=at)
    return missing
