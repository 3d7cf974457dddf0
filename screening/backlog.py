"""往期未办结: warnings of earlier periods that are not finished, with their original due date.

The backlog travels with every new list (issue 16 item 8): the township lists' sheet 往期未办结
and the portal queue's backlog section both read ``backlog``. A warning is unfinished while the
loop still waits on the township or the county (UNFINISHED statuses); its original due date is
the one its list gave (warnings.due_date), and the step it waits on is its earliest running
clock (screening.clocks).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.calendar import working_days_between
from screening.clocks import policy
from warehouse.db import in_chunks
from warehouse.masking import mask_id
from warehouse.models import Household, Person, RiskWarning
from warehouse.notification_tables import WarningClock

UNFINISHED = ("open", "verifying", "pending_closure", "identifying")
STATUS_LABELS = {"open": "待核实", "verifying": "核实中", "pending_closure": "待县级确认销号",
                 "identifying": "识别认定中"}
HEAD = "户主"


@dataclass(frozen=True)
class BacklogItem:
    """One unfinished warning of an earlier period, as people read it."""

    warning_id: int
    code: str
    period: str  # the period it was opened in
    township: str
    village: str
    household_no: str
    name: str
    id_masked: str
    risk_type: str
    level: str
    status: str
    due_date: dt.date | None  # the original due date of its list
    working_days_late: int  # 0 when not yet due
    step: str  # the label of the step it waits on (its earliest running clock), or ""
    step_due: dt.date | None

    def cells(self, risk_labels: dict, level_label) -> list:
        """The row of the township list's 往期未办结 sheet."""
        return [self.code, self.period, self.village, self.household_no, self.name,
                self.id_masked, risk_labels.get(self.risk_type, self.risk_type),
                level_label(self.level), STATUS_LABELS.get(self.status, self.status),
                self.due_date.isoformat() if self.due_date else "", self.working_days_late,
                self.step, self.step_due.isoformat() if self.step_due else ""]


HEADERS = ["预警编号", "期次", "村", "户编号", "户主/姓名", "身份证号", "风险类型", "等级", "状态",
           "原截止日期", "逾期工作日", "当前环节", "环节截止日期"]
WIDTHS = [17, 9, 12, 20, 10, 21, 14, 12, 14, 12, 10, 14, 12]


def backlog(session: Session, period: str, today: dt.date, settings: dict,
            township: str | None = None) -> list[BacklogItem]:
    """Unfinished warnings last seen before ``period`` (of ``township`` if given), the longest
    overdue first; days late counted in working days up to county day ``today``."""
    query = select(RiskWarning).where(RiskWarning.status.in_(UNFINISHED),
                                      RiskWarning.last_period < period)
    if township is not None:
        query = query.where(RiskWarning.township == township)
    warnings = list(session.scalars(query))
    ids = [w.id for w in warnings]
    households: dict[int, str] = {}
    heads: dict[int, tuple[str, str]] = {}
    hh_ids = {w.household_id for w in warnings if w.household_id}
    for part in in_chunks(hh_ids):
        households.update(session.execute(
            select(Household.id, Household.household_no).where(Household.id.in_(part))).all())
        for hid, relation, name, masked in session.execute(
                select(Person.household_id, Person.relation, Person.name, Person.id_masked)
                .where(Person.household_id.in_(part)).order_by(Person.id)):
            if hid not in heads or relation == HEAD:  # the 户主, else the first member
                heads[hid] = (name, masked or "")
    steps: dict[int, WarningClock] = {}
    for part in in_chunks(ids):
        for clock in session.scalars(select(WarningClock).where(
                WarningClock.warning_id.in_(part), WarningClock.stopped_on.is_(None))
                .order_by(WarningClock.due_on)):
            steps.setdefault(clock.warning_id, clock)
    out = []
    for w in warnings:
        if w.household_id:
            name, masked = heads.get(w.household_id, ("", ""))
            household_no = households.get(w.household_id, "")
        else:
            name, masked, household_no = w.lead_name or "", w.lead_id_masked or "", ""
        clock = steps.get(w.id)
        label = ""
        if clock is not None:
            rule = policy(settings, clock.started_on.year).get(clock.clock)
            label = rule.label if rule else clock.clock
        late = working_days_between(w.due_date, today) if w.due_date and w.due_date < today else 0
        out.append(BacklogItem(
            warning_id=w.id, code=w.code, period=w.opened_period, township=w.township or "",
            village=w.village or "", household_no=household_no, name=name,
            id_masked=mask_id(masked) if masked else "", risk_type=w.risk_type, level=w.level,
            status=w.status, due_date=w.due_date, working_days_late=late, step=label,
            step_due=clock.due_on if clock else None))
    out.sort(key=lambda i: (-i.working_days_late, i.township, i.village, i.code))
    return out
