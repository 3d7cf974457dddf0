"""归口核查: route a warning to the department that owns its risk type, and take its reply.

Seed 000 step 3 (县级行业部门 … 5个工作日作出结论性答复) and seed 003 二(三)1 (安排对应归口部门
… 入户核查). Which department owns which risk types is county policy (rules YAML
``department_owns:``); the reply's deadline is the clock ``department_reply`` (rules YAML
``clocks:``, started by the event ``routed`` and stopped by ``department_replied``), so an
overdue reply escalates like every other step (screening.deadlines). Every route and reply
appends to the warning's history and notifies the other side (screening.notify).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors import catalog
from screening import clocks, history, notify
from screening.rules.loader import merged_section, rule_stamp
from screening.rules.model import RuleError
from warehouse.department_tables import DepartmentCheck
from warehouse.masking import mask_text
from warehouse.models import RiskWarning, utcnow

CLOCK = "department_reply"  # the rules YAML clock a routed check runs on
ROUTED, REPLIED = "routed", "replied"
# Warnings that are over: nothing is left for a department to check.
ENDED = ("closed", "withdrawn")


class RoutingError(ValueError):
    """A route or reply that cannot be made; ``field`` names the input to fix, ``conflict``
    marks a state problem (already routed, already answered) rather than a wrong input."""

    def __init__(self, message: str, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.field = field
        self.conflict = conflict


@lru_cache(maxsize=64)
def _owns(stamp: tuple) -> dict[str, tuple[str, ...]]:
    section, where = merged_section(stamp, "department_owns")
    owns: dict[str, tuple[str, ...]] = {}
    for department, types in section.items():
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise RuleError(f"{where}: department_owns.{department} must be a list of risk types")
        owns[str(department)] = tuple(types)
    return owns


def department_owns(settings: dict, year: int, home: Path | None = None
                    ) -> dict[str, tuple[str, ...]]:
    """The county's ``department_owns`` for ``year``: department (contract module name) → the
    risk types it owns, the default set under the county's overlays."""
    return _owns(rule_stamp(settings, year, home))


def department_key(name: str | None) -> str | None:
    """The contract module name of a department given by module name, label or alias
    (卫健 → health); None for a name no contract has."""
    if not name:
        return None
    try:
        return catalog.contract_for(name).department
    except KeyError:
        return None


def owners(owns: dict[str, tuple[str, ...]], risk_type: str) -> list[str]:
    """The departments owning ``risk_type``, in the YAML's order."""
    return [d for d, types in owns.items() if risk_type in types]


def open_check(session: Session, warning_id: int, department: str) -> DepartmentCheck | None:
    """The department's unanswered check of the warning, if any."""
    return session.scalar(select(DepartmentCheck).where(
        DepartmentCheck.warning_id == warning_id, DepartmentCheck.department == department,
        DepartmentCheck.status == ROUTED).order_by(DepartmentCheck.id.desc()).limit(1))


def checks_of(session: Session, warning_id: int) -> list[DepartmentCheck]:
    """Every routing of the warning (the caller's RLS scope applies), oldest first."""
    return list(session.scalars(select(DepartmentCheck).where(
        DepartmentCheck.warning_id == warning_id).order_by(DepartmentCheck.id)))


def due_on(settings: dict, day: dt.date, home: Path | None = None) -> dt.date:
    """When a reply routed on ``day`` is due, by the county's ``department_reply`` clock."""
    rule = clocks.policy(settings, day.year, home).get(CLOCK)
    if rule is None:
        raise RuleError(f"rules YAML clocks: no {CLOCK!r} clock; add "
                        f"`{CLOCK}: {{label: 部门答复, working_days: 5, starts_on: [routed], "
                        "stops_on: [department_replied], escalate: [township, county]}`")
    return rule.due(day)


def route(session: Session, warning: RiskWarning, department: str, note: str | None,
          actor: str, day: dt.date, settings: dict, home: Path | None = None) -> DepartmentCheck:
    """Route ``warning`` to ``department`` (module name, label or alias) on county day ``day``:
    a check row, the clock ``routed``, a history entry and a notice to the department."""
    key = department_key(department)
    owns = department_owns(settings, day.year, home)
    if key is None or key not in owns:
        known = "、".join(f"{catalog.contract_for(d).label}({d})" for d in owns
                         if department_key(d))
        raise RoutingError(f"没有部门 {department!r}；可选: {known}", "department")
    label = catalog.contract_for(key).label
    if warning.status in ENDED:
        raise RoutingError(f"预警 {warning.code} 已结束（{warning.status}），无需归口核查",
                           conflict=True)
    if warning.risk_type not in owns[key]:
        who = "、".join(catalog.contract_for(d).label for d in owners(owns, warning.risk_type)
                       if department_key(d)) or "无"
        raise RoutingError(f"{label}不负责此类风险（{warning.risk_type}）；可归口的部门: {who}",
                           "department")
    if open_check(session, warning.id, key) is not None:
        raise RoutingError(f"预警 {warning.code} 已交{label}核查，尚未答复", conflict=True)
    note = mask_text(note) if note else None
    check = DepartmentCheck(warning_id=warning.id, department=key, township=warning.township,
                            note=note, routed_by=actor, routed_at=utcnow(),
                            due_on=due_on(settings, day, home), status=ROUTED)
    session.add(check)
    session.flush()
    clocks.on_event(session, warning.id, "routed", day, settings)
    history.append(session, [history.entry(
        warning.id, "routed", warning.last_period, check.routed_at,
        f"归口{label}核查，{check.due_on:%Y-%m-%d} 前答复" + (f"（{note}）" if note else ""),
        warning.status, warning.status, actor=actor)])
    notify.notify(session, "routed",
                  f"预警 {warning.code}（{warning.township or ''}{warning.village or ''}）交"
                  f"{label}归口核查，请于 {check.due_on:%Y-%m-%d} 前答复",
                  warning_id=warning.id, township=warning.township, audience="department",
                  department=key)
    return check


def reply(session: Session, check: DepartmentCheck, warning: RiskWarning, finding: str,
          measure: str | None, note: str | None, actor: str, day: dt.date,
          settings: dict) -> DepartmentCheck:
    """Record the department's answer on county day ``day``: stops the clock, appends to the
    history and notifies the warning's township."""
    if check.status != ROUTED:
        raise RoutingError(f"预警 {warning.code} 的归口核查已答复", conflict=True)
    if not finding:
        raise RoutingError("请填写核查情况 (finding)", "finding")
    label = catalog.contract_for(check.department).label if department_key(
        check.department) else check.department
    check.finding, check.measure = mask_text(finding), mask_text(measure) if measure else None
    check.reply_note = mask_text(note) if note else None
    check.replied_by, check.replied_at, check.status = actor, utcnow(), REPLIED
    session.flush()
    clocks.on_event(session, warning.id, "department_replied", day, settings)
    late = f"（逾期，应于 {check.due_on:%Y-%m-%d} 前）" if day > check.due_on else ""
    history.append(session, [history.entry(
        warning.id, "department_replied", warning.last_period, check.replied_at,
        f"{label}答复{late}：{check.finding}" + (f"；措施：{check.measure}" if check.measure
                                               else ""),
        warning.status, warning.status, actor=actor)])
    notify.notify(session, "department_replied",
                  f"{label}已答复预警 {warning.code} 的归口核查：{check.finding}",
                  warning_id=warning.id, township=warning.township, audience="township")
    return check
