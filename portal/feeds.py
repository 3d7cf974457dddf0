"""Feed status per department for a period: arrived, rows, quarantined, late."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.principal import Principal
from shouwang.core import clock
from warehouse.models import FeedBatch, PipelineEvent


@dataclass(frozen=True)
class FeedStatus:
    """One department's feed for one period (the latest loaded batch, if any)."""

    department: str
    label: str
    arrived_at: dt.datetime | None
    source_file: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    failed_batches: int
    due: dt.date
    late: bool


def feed_status(session: Session, principal: Principal, period: str, departments: dict[str, str],
                settings: dict, today: dt.date) -> list[FeedStatus]:
    """Every expected department's status for ``period``, in the digest's order."""
    principal.require("feeds")
    due = clock.feeds_due_date(period, settings)
    batches = session.scalars(select(FeedBatch).where(FeedBatch.period == period)
                              .order_by(FeedBatch.arrived_at)).all()
    flagged_late = set(session.scalars(select(PipelineEvent.department).where(
        PipelineEvent.period == period, PipelineEvent.kind == "late")))
    out = []
    for dept, label in departments.items():
        mine = [b for b in batches if b.department == dept]
        loaded = [b for b in mine if b.status == "loaded"]
        latest = loaded[-1] if loaded else None
        arrived = latest.arrived_at if latest else None
        # The one lateness rule (shouwang.core.clock), the same Airflow records late feeds by.
        late = dept in flagged_late or clock.feed_late(period, arrived, today, settings)
        out.append(FeedStatus(
            department=dept, label=label, arrived_at=arrived,
            source_file=latest.source_file if latest else None,
            rows_read=latest.rows_read if latest else 0,
            rows_loaded=latest.rows_loaded if latest else 0,
            rows_quarantined=latest.rows_quarantined if latest else 0,
            failed_batches=sum(1 for b in mine if b.status == "failed"), due=due, late=late))
    return out


def feed_periods(session: Session) -> list[str]:
    """Periods with any batch, newest first."""
    return list(session.scalars(select(FeedBatch.period).distinct()
                                .order_by(FeedBatch.period.desc())))
