"""County overview: every township's progress, the period digest and regional alerts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.principal import Principal
from portal.queue import overdue_clause
from warehouse.models import Alert, PipelineEvent, VerificationTask, RiskWarning


@dataclass(frozen=True)
class TownshipProgress:
    """Counts of one township's warnings."""

    township: str
    total: int
    closed: int
    done: int
    pending: int
    overdue: int

    @property
    def percent_done(self) -> int:
        """Share of warnings verified or closed, in whole percent."""
        return round(100 * (self.done + self.closed) / self.total) if self.total else 100


def _count(cond):
    return func.sum(case((cond, 1), else_=0))


def periods(session: Session) -> list[str]:
    """Periods with warnings, newest first."""
    return list(session.scalars(select(RiskWarning.last_period).distinct()
                                .order_by(RiskWarning.last_period.desc())))


def township_progress(session: Session, principal: Principal, today: dt.date
                      ) -> list[TownshipProgress]:
    """Per township: total, closed, done, pending and overdue warnings."""
    principal.require("county_overview")
    task_done = func.coalesce(VerificationTask.status, "pending") == "done"
    closed = RiskWarning.status == "closed"
    settled = RiskWarning.status.in_(("closed", "withdrawn"))  # a withdrawn warning awaits nobody
    q = (select(RiskWarning.township, func.count(RiskWarning.id), _count(closed),
                _count(task_done & ~settled), _count(~task_done & ~settled),
                _count(overdue_clause(today)))
         .outerjoin(VerificationTask, VerificationTask.warning_id == RiskWarning.id)
         .group_by(RiskWarning.township).order_by(RiskWarning.township))
    return [TownshipProgress(t or "（未知乡镇）", int(n), int(c or 0), int(d or 0), int(p or 0),
                             int(o or 0)) for t, n, c, d, p, o in session.execute(q)]


@dataclass
class Digest:
    """The period's summary: warnings by type and level, new leads, alerts, pipeline events."""

    period: str
    by_type_level: dict[tuple[str, str], int]
    opened: int
    leads: int
    alerts: list[Alert]
    events: list[PipelineEvent]


def digest(session: Session, principal: Principal, period: str) -> Digest:
    """The county digest for ``period``."""
    principal.require("county_overview")
    rows = session.execute(select(RiskWarning.risk_type, RiskWarning.level, func.count())
                           .where(RiskWarning.last_period == period,
                                  RiskWarning.status != "withdrawn")
                           .group_by(RiskWarning.risk_type, RiskWarning.level))
    opened = session.scalar(select(func.count()).where(RiskWarning.opened_period == period)) or 0
    leads = session.scalar(select(func.count()).where(RiskWarning.opened_period == period,
                                                      RiskWarning.is_lead.is_(True))) or 0
    alerts = list(session.scalars(select(Alert).where(Alert.period == period)
                                  .order_by(Alert.households.desc(), Alert.township)))
    events = list(session.scalars(select(PipelineEvent).where(PipelineEvent.period == period)
                                  .order_by(PipelineEvent.at)))
    return Digest(period, {(t, lvl): n for t, lvl, n in rows}, opened, leads, alerts, events)
