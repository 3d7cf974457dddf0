"""The verification queue: the caller's warnings, filtered, overdue first; each with its 组, grid
and grid worker, and the unfinished ones of earlier periods marked as the backlog (往期未办结,
as the township lists' sheet: screening.backlog) with their original due date and the working
days they are overdue."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from portal.errors import InvalidInput, NotFound
from portal.inputs import clean_text
from portal.principal import Principal
from screening.backlog import UNFINISHED
from screening.calendar import working_days_between
from screening.grid_lookup import GridInfo, grid_columns
from screening.warning_store import ENDED
from warehouse.models import Household, Person, VerificationTask, RiskWarning

HEAD = "户主"  # roster 与户主关系 of the household head (FEEDS.md)
# Said of a warning that is absent and of another township's alike, echoing nothing.
ABSENT = "无此预警，或不在您的辖区"
STATUSES = ("active", "open", "verifying", "closed", "withdrawn", "all")  # active: not ENDED


@dataclass(frozen=True)
class QueueFilters:
    """What a verifier narrows the queue by; None means no filter."""

    level: str | None = None
    village: str | None = None
    status: str = "active"
    due_before: dt.date | None = None
    township: str | None = None  # county users only
    overdue_only: bool = False

    def __post_init__(self) -> None:
        for name, label in (("level", "等级"), ("village", "村"), ("township", "乡镇")):
            object.__setattr__(self, name, clean_text(getattr(self, name), name, label, 64))
        if self.status not in STATUSES:
            raise InvalidInput(f"状态筛选 {self.status!r} 无效；可选: {', '.join(STATUSES)}", "status")


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue (no resident ID: leads show only a masked one); warning_id is the
    code people see (W2026-10-00765), never the table's row id."""

    warning_id: str
    code: str
    township: str | None
    village: str | None
    household_no: str | None
    subject: str
    risk_type: str
    level: str
    reason: str
    status: str
    task_status: str
    outcome: str | None
    due_date: dt.date | None
    overdue: bool
    opened_period: str = ""
    backlog: bool = False  # 往期未办结: not on the newest list and not finished (screening.backlog)
    days_overdue: int | None = None  # working days past due_date (screening/calendar.py)
    group: str | None = None  # the roster's 组
    grid: str | None = None  # 村组网格名称 (grid ledger)
    grid_worker: str | None = None
    grid_worker_phone: str | None = None  # masked, 138****5678: the whole one only on the warning page


def due_column():
    """The task's due date, else the warning's."""
    return func.coalesce(VerificationTask.due_date, RiskWarning.due_date)


def overdue_clause(today: dt.date):
    """Past due and not yet done or closed."""
    due = due_column()
    return and_(due.is_not(None), due < today, RiskWarning.status.not_in(ENDED),
                func.coalesce(VerificationTask.status, "pending") != "done")


def _level_rank(levels: list[str]):
    return case({lvl: i for i, lvl in enumerate(levels)}, value=RiskWarning.level, else_=len(levels))


def queue(session: Session, principal: Principal, filters: QueueFilters, today: dt.date,
          levels: list[str], limit: int) -> list[QueueItem]:
    """The caller's warnings matching ``filters``: overdue first, then by due date and level."""
    principal.require("warnings")
    head = (select(Person.name).where(Person.household_id == RiskWarning.household_id,
                                      Person.relation == HEAD)
            .order_by(Person.id).limit(1).scalar_subquery())
    overdue = overdue_clause(today)
    due = due_column()
    q = (select(RiskWarning, VerificationTask, Household.household_no, head.label("head"),
                case((overdue, True), else_=False).label("overdue"))
         .outerjoin(VerificationTask, VerificationTask.warning_id == RiskWarning.id)
         .outerjoin(Household, Household.id == RiskWarning.household_id)
         .where(principal.warning_scope()))
    if filters.township and principal.is_county:
        q = q.where(RiskWarning.township == filters.township)
    if filters.level:
        q = q.where(RiskWarning.level == filters.level)
    if filters.village:
        q = q.where(RiskWarning.village == filters.village)
    if filters.status == "active":
        q = q.where(RiskWarning.status.not_in(ENDED))
    elif filters.status != "all":
        q = q.where(RiskWarning.status == filters.status)
    if filters.due_before:
        q = q.where(due <= filters.due_before)
    if filters.overdue_only:
        q = q.where(overdue)
    q = q.order_by(case((overdue, 0), else_=1), due.is_(None), due, _level_rank(levels),
                   RiskWarning.id).limit(limit)
    rows = session.execute(q).all()
    grids = grid_columns(session, (w.household_id for w, *_ in rows))
    newest = current_period(session, principal)
    return [_item(w, t, no, head_name, bool(late), grids.get(w.household_id), newest, today)
            for w, t, no, head_name, late in rows]


def current_period(session: Session, principal: Principal) -> str | None:
    """The newest period screened among the caller's warnings: earlier ones are the backlog."""
    return session.scalar(select(func.max(RiskWarning.last_period))
                          .where(principal.warning_scope()))


def _item(w: RiskWarning, t: VerificationTask | None, household_no: str | None, head: str | None,
          overdue: bool, grid: GridInfo | None, newest: str | None, today: dt.date) -> QueueItem:
    subject = f"{w.lead_name or ''} {w.lead_id_masked or ''}".strip() if w.is_lead else (head or "")
    # The backlog as the township lists' sheet 往期未办结 reads it (screening.backlog): not on
    # the newest list, still waiting on the township or the county, late from its list's date.
    backlog = bool(newest) and w.last_period < newest and w.status in UNFINISHED
    due = w.due_date if backlog else (t.due_date if t and t.due_date else w.due_date)
    late = due is not None and due < today and (overdue or backlog)
    grid = grid or GridInfo()
    return QueueItem(
        warning_id=w.code, code=w.code, township=w.township, village=w.village,
        household_no=household_no, subject=subject, risk_type=w.risk_type, level=w.level,
        reason=w.reason, status=w.status, task_status=t.status if t else "pending",
        outcome=t.outcome if t else None, due_date=due, overdue=overdue,
        opened_period=w.opened_period, backlog=backlog,
        days_overdue=working_days_between(due, today) if late else None,
        group=grid.group, grid=grid.grid, grid_worker=grid.worker_name,
        grid_worker_phone=grid.worker_phone_masked,
    )


def villages(session: Session, principal: Principal) -> list[str]:
    """The villages in the caller's warnings, for the filter menu."""
    q = (select(RiskWarning.village).where(principal.warning_scope(),
                                           RiskWarning.village.is_not(None))
         .distinct().order_by(RiskWarning.village))
    return list(session.scalars(q))


def get_warning(session: Session, principal: Principal, code: str) -> RiskWarning:
    """The warning with ``code`` in the caller's scope; one outside it (another township, village
    or grid) is reported as absent (404)."""
    principal.require("warnings")
    w = session.scalar(select(RiskWarning).where(RiskWarning.code == code,
                                                 principal.warning_scope()))
    if w is None:
        raise NotFound(ABSENT)
    return w


def code_of_row(session: Session, principal: Principal, row_id: int) -> str:
    """The code of the warning an old integer URL named, in the caller's scope (else 404)."""
    principal.require("warnings")
    code = session.scalar(select(RiskWarning.code).where(
        RiskWarning.id == row_id, principal.warning_scope()))
    if code is None:
        raise NotFound(ABSENT)
    return code
