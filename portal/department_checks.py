"""A department user's view of 归口核查: its queue, one routed warning, its reply; and a township's
(or the county's) routing of a warning to a department.

A department user sees only the warnings routed to its department: every query here joins
department_checks on the caller's department, and on PostgreSQL migration 0013's policies
enforce it again (portal.database sets ``shouwang.department``). Anything else is 404, worded
like another township's warning.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from connectors.field_labels import field_label
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.inputs import clean_text
from portal.principal import Principal
from portal.queue import ABSENT, get_warning
from screening import routing
from shouwang.core.clock import local_date
from warehouse.audit import record as audit
from warehouse.department_tables import DepartmentCheck
from warehouse.models import FeedRecord, Household, Person, RiskWarning, WarningEvidence

ROUTERS = ("county_admin", "township")  # who may route a warning (the county, its township)
TEXT_MAX = 2000
CHECK_STATUSES = ("open", "replied", "all")


def department_of(principal: Principal) -> str | None:
    """The contract module name of a department user's department (None for other roles)."""
    if principal.role != "department":
        return None
    return routing.department_key(principal.department) or principal.department or None


def require_department(principal: Principal) -> str:
    """The caller's department, or Forbidden for every other role."""
    key = department_of(principal)
    if key is None:
        raise Forbidden(f"角色 {principal.role} 无权访问部门归口核查")
    return key


@dataclass(frozen=True)
class CheckItem:
    """One line of a department's queue (no resident ID at all)."""

    warning_id: str  # the code, W2026-10-00765
    township: str | None
    village: str | None
    household_no: str | None
    risk_type: str
    level: str
    reason: str
    note: str | None
    routed_by: str
    routed_on: dt.date
    due_on: dt.date
    status: str  # routed | replied
    overdue: bool


@dataclass
class CheckDetail:
    """A routed warning as its department sees it."""

    warning: RiskWarning
    household: Household | None
    check: DepartmentCheck
    members: list[dict] = field(default_factory=list)  # IDs masked
    evidence: list[dict] = field(default_factory=list)  # department, indicator, value, source
    earlier: list[DepartmentCheck] = field(default_factory=list)  # earlier answered routings


def _routed(key: str):
    return and_(DepartmentCheck.warning_id == RiskWarning.id, DepartmentCheck.department == key)


def queue(session: Session, principal: Principal, status: str, today: dt.date,
          limit: int, settings: dict) -> list[CheckItem]:
    """The department's routed checks: unanswered first, overdue first, then by due day."""
    key = require_department(principal)
    if status not in CHECK_STATUSES:
        raise InvalidInput(f"状态筛选 {status!r} 无效；可选: {', '.join(CHECK_STATUSES)}", "status")
    q = (select(DepartmentCheck, RiskWarning, Household.household_no)
         .join(RiskWarning, _routed(key))
         .outerjoin(Household, Household.id == RiskWarning.household_id))
    if status == "open":
        q = q.where(DepartmentCheck.status == routing.ROUTED)
    elif status == "replied":
        q = q.where(DepartmentCheck.status == routing.REPLIED)
    rows = session.execute(q.order_by(DepartmentCheck.status.desc(), DepartmentCheck.due_on,
                                      DepartmentCheck.id).limit(limit))
    items = [CheckItem(warning_id=w.code, township=w.township, village=w.village,
                       household_no=no, risk_type=w.risk_type, level=w.level, reason=w.reason,
                       note=c.note, routed_by=c.routed_by,
                       routed_on=local_date(c.routed_at, settings),
                       due_on=c.due_on, status=c.status,
                       overdue=c.status == routing.ROUTED and c.due_on < today)
             for c, w, no in rows]
    return sorted(items, key=lambda i: (i.status != routing.ROUTED, not i.overdue, i.due_on))


def _check(session: Session, key: str, code: str) -> tuple[RiskWarning, DepartmentCheck]:
    """The warning ``code`` and the department's latest check of it; 404 if never routed to it."""
    found = session.execute(
        select(RiskWarning, DepartmentCheck).join(DepartmentCheck, _routed(key))
        .where(RiskWarning.code == code).order_by(DepartmentCheck.id.desc()).limit(1)).first()
    if found is None:
        raise NotFound(ABSENT)
    return found[0], found[1]


def detail(session: Session, principal: Principal, code: str) -> CheckDetail:
    """A routed warning with its household (IDs masked) and evidence; the view is audited."""
    key = require_department(principal)
    w, check = _check(session, key, code)
    hh = session.get(Household, w.household_id) if w.household_id else None
    out = CheckDetail(warning=w, household=hh, check=check)
    if hh is not None:
        out.members = [{"name": p.name, "relation": p.relation, "id_masked": p.id_masked or "",
                        "labour_capacity": p.labour_capacity}
                       for p in session.scalars(select(Person).where(
                           Person.household_id == hh.id, Person.active.is_(True))
                           .order_by(Person.id))]
    out.evidence = [{"department": ev.department,
                     "indicator_label": field_label(ev.department, ev.indicator, ev.indicator),
                     "value": ev.value, "period": ev.period,
                     "source": f"{rec.source_file}#{rec.source_row}"}
                    for ev, rec in session.execute(
                        select(WarningEvidence, FeedRecord)
                        .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
                        .where(WarningEvidence.warning_id == w.id).order_by(WarningEvidence.id))]
    out.earlier = list(session.scalars(select(DepartmentCheck).where(
        DepartmentCheck.warning_id == w.id, DepartmentCheck.department == key,
        DepartmentCheck.id != check.id).order_by(DepartmentCheck.id)))
    audit(session, principal.name, "view_household", "warning", w.code, w.township,
          {"household_no": hh.household_no if hh else None, "role": principal.role,
           "department": key})
    return out


@dataclass(frozen=True)
class ReplyForm:
    """What the department answers."""

    finding: str
    measure: str | None = None
    note: str | None = None


def record_reply(session: Session, principal: Principal, code: str, form: ReplyForm,
                 today: dt.date, settings: dict) -> tuple[RiskWarning, DepartmentCheck]:
    """Store the department's reply to the warning routed to it, and audit it."""
    key = require_department(principal)
    finding = clean_text(form.finding, "finding", "核查情况", TEXT_MAX)
    measure = clean_text(form.measure, "measure", "处理建议/措施", TEXT_MAX)
    note = clean_text(form.note, "note", "备注", TEXT_MAX)
    if not finding:
        raise InvalidInput("请填写核查情况", "finding")
    w, check = _check(session, key, code)
    try:
        routing.reply(session, check, w, finding, measure, note, principal.name, today, settings)
    except routing.RoutingError as e:
        raise _portal_error(e) from None
    audit(session, principal.name, "department_reply", "warning", w.code, w.township,
          {"department": key, "finding": check.finding, "measure": check.measure,
           "overdue": today > check.due_on})
    return w, check


def route_warning(session: Session, principal: Principal, code: str, department: str,
                  note: str | None, today: dt.date, settings: dict,
                  home: Path | None) -> tuple[RiskWarning, DepartmentCheck]:
    """Route the caller's warning ``code`` (its township's, or any for the county) to
    ``department``; the route is audited."""
    if principal.role not in ROUTERS:
        raise Forbidden(f"角色 {principal.role} 无权归口交办预警")
    department = clean_text(department, "department", "部门", 64) or ""
    note = clean_text(note, "note", "交办说明", TEXT_MAX)
    w = get_warning(session, principal, code)
    try:
        check = routing.route(session, w, department, note, principal.name, today, settings,
                              home)
    except routing.RoutingError as e:
        raise _portal_error(e) from None
    audit(session, principal.name, "route_warning", "warning", w.code, w.township,
          {"department": check.department, "due_on": str(check.due_on), "note": check.note})
    return w, check


def _portal_error(e: routing.RoutingError) -> Exception:
    return Conflict(str(e)) if e.conflict else InvalidInput(str(e), e.field)
