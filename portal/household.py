"""The portal's side of a household's case: who may see and do what, the case as people read it.

The household is named by the roster's 户编号; one outside the caller's scope (another township,
village or grid) is absent (404), as warnings are. Actions are checked for the caller's role
(settings ``help``), handed to screening.help_case and audited.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.errors import Forbidden, InvalidInput, NotFound
from portal.inputs import clean_text
from portal.outcomes import StepForm, form_date, refused_error
from portal.principal import Principal
from screening import clocks, help_case
from screening import verification as loop
from screening.suggestions import suggest_policies
from warehouse.audit import record as audit
from warehouse.crypto import Vault
from warehouse.models import Household, Person, RiskWarning

ABSENT = "无此户（或不属于您的辖区）"
# 户编号 in paths: the roster's digits (households.household_no is 24 wide).
HOUSEHOLD_NO_PATTERN = r"^[0-9A-Za-z-]{1,24}$"


def get_household(session: Session, principal: Principal, household_no: str) -> Household:
    """The household with ``household_no`` in the caller's scope, else NotFound."""
    principal.require("warnings")
    hh = session.scalar(select(Household).where(Household.household_no == household_no,
                                                principal.household_scope(Household.id)))
    if hh is None:
        raise NotFound(ABSENT)
    return hh


def _allowed(principal: Principal, settings: dict, key: str) -> None:
    if principal.role not in settings["help"][key]:
        raise Forbidden(f"角色 {principal.role} 无权记录此项")


def _actor(principal: Principal) -> loop.Actor:
    return loop.Actor(principal.name, principal.role)


def _audit(session: Session, principal: Principal, hh: Household, action: str,
           detail: dict) -> None:
    audit(session, principal.name, action, "household", hh.household_no, hh.township, detail)


def assign_contact(session: Session, principal: Principal, household_no: str, cadre: str | None,
                   phone: str | None, vault: Vault, settings: dict, today: dt.date) -> Household:
    """Record the household's contact cadre (409 when the cadre already has two households)."""
    hh = get_household(session, principal, household_no)
    _allowed(principal, settings, "record_roles")
    cadre = clean_text(cadre, "cadre", "联系人", 64)
    phone = clean_text(phone, "phone", "联系电话", 32)
    try:
        row = help_case.assign_contact(session, hh, cadre=cadre or "", phone=phone, vault=vault,
                                       actor=_actor(principal), settings=settings, today=today)
    except loop.Refused as e:
        raise refused_error(e) from None
    _audit(session, principal, hh, "help_contact", {"cadre": row.cadre, "phone": row.phone_masked})
    return hh


def record_measure(session: Session, principal: Principal, household_no: str, policy: str | None,
                   start_date: str | None, note: str | None, settings: dict, today: dt.date,
                   home: Path | None = None) -> Household:
    """Add a measure from the policy list to the household's plan."""
    hh = get_household(session, principal, household_no)
    _allowed(principal, settings, "record_roles")
    try:
        row = help_case.record_measure(
            session, hh, policy=clean_text(policy, "policy", "帮扶政策", 64) or "",
            start_date=form_date(start_date, "start_date", "开始日期"),
            note=clean_text(note, "note", "备注", help_case.NOTE_MAX), actor=_actor(principal),
            settings=settings, today=today, home=home)
    except loop.Refused as e:
        raise refused_error(e) from None
    _audit(session, principal, hh, "help_measure", {"policy": row.policy, "kind": row.kind,
                                                    "start_date": row.start_date.isoformat()})
    return hh


def decide_plan(session: Session, principal: Principal, household_no: str, decision: str | None,
                reason: str | None, settings: dict, today: dt.date) -> Household:
    """The county approves or returns the household's plan."""
    hh = get_household(session, principal, household_no)
    try:
        help_case.decide_plan(session, hh, decision=(decision or "").strip(),
                              reason=clean_text(reason, "reason", "理由", help_case.NOTE_MAX),
                              actor=_actor(principal), settings=settings, today=today)
    except loop.Refused as e:
        raise refused_error(e) from None
    _audit(session, principal, hh, "help_plan", {"decision": decision})
    return hh


def record_visit(session: Session, principal: Principal, household_no: str, day: str | None,
                 mode: str | None, note: str | None, income_month: float | None, settings: dict,
                 today: dt.date) -> Household:
    """Record a visit or a call."""
    hh = get_household(session, principal, household_no)
    _allowed(principal, settings, "visit_roles")
    try:
        help_case.record_visit(session, hh, day=form_date(day, "date", "走访日期"),
                               mode=(mode or "").strip(),
                               note=clean_text(note, "note", "备注", help_case.NOTE_MAX),
                               income_month=income_month, actor=_actor(principal),
                               settings=settings, today=today)
    except loop.Refused as e:
        raise refused_error(e) from None
    _audit(session, principal, hh, "help_visit", {"date": day, "mode": mode})
    return hh


def record_elimination(session: Session, principal: Principal, household_no: str,
                       form: StepForm, settings: dict, today: dt.date,
                       home: Path | None = None) -> Household:
    """One risk-elimination step (confirm: county only); 409 for a household nobody can work in."""
    hh = get_household(session, principal, household_no)
    if not loop.may_confirm(principal.role, settings):
        _allowed(principal, settings, "record_roles")
    data = loop.StepInput(
        step=clean_text(form.step, "step", "步骤", 16) or "",
        date=form_date(form.date, "date", "日期"), end_date=form_date(form.end_date, "end_date", "结束日期"),
        result=clean_text(form.result, "result", "评议结果", 8),
        note=clean_text(form.note, "note", "备注", help_case.NOTE_MAX))
    try:
        row = help_case.record_elimination(session, hh, data, actor=_actor(principal),
                                           settings=settings, today=today, home=home)
    except loop.Refused as e:
        raise refused_error(e) from None
    _audit(session, principal, hh, "help_elimination",
           {"step": row.step, "date": row.day.isoformat(), "result": row.result,
            "risk_status": hh.risk_status})
    return hh


def _clock_rows(session: Session, warning_ids: list[int], settings: dict, today: dt.date) -> list[dict]:
    """The followed warnings' clocks, labelled, running ones first."""
    rules = clocks.policy(settings, today.year)
    out = []
    for wid in warning_ids:
        for c in clocks.clocks_of(session, wid):
            rule = rules.get(c.clock)
            out.append({"clock": c.clock, "label": rule.label if rule else c.clock,
                        "started_on": c.started_on, "due_on": c.due_on, "stopped_on": c.stopped_on,
                        "overdue": c.stopped_on is None and c.due_on < today})
    return sorted(out, key=lambda c: (c["stopped_on"] is not None, c["due_on"]))


def case_view(session: Session, principal: Principal, hh: Household, settings: dict,
              today: dt.date, risk_labels: dict[str, str], home: Path | None = None) -> dict:
    """The household's case as the page and GET /api/households/{household_no} show it."""
    members = [{"name": p.name, "relation": p.relation, "id_masked": p.id_masked or "",
                "labour_capacity": p.labour_capacity}
               for p in session.scalars(select(Person).where(Person.household_id == hh.id,
                                                             Person.active.is_(True))
                                        .order_by(Person.id))]
    warnings = list(session.scalars(select(RiskWarning).where(
        RiskWarning.household_id == hh.id, principal.warning_scope()).order_by(RiskWarning.id)))
    followed = [w.id for w in warnings if w.status in help_case.CASE_STATUSES]
    contact = help_case.latest_contact(session, hh.id)
    decision = help_case.plan_decision(session, hh.id)
    checks = help_case.missing_measure_kinds(session, [hh.id], settings, today, home)[hh.id]
    round_, steps = help_case.elimination_round(session, hh.id)
    open_case = help_case.is_open_case(session, hh, settings)
    visits = help_case.visits(session, hh.id)
    since = help_case.case_start(session, hh.id, settings) or (contact.day if contact else None)
    next_visit = help_case.visit_due(session, hh.id, since, settings) if open_case else None
    view = {
        "household_no": hh.household_no, "township": hh.township, "village": hh.village,
        "household_type": hh.household_type, "risk_status": hh.risk_status,
        "open_case": open_case, "size": hh.size, "members": members,
        "workers": checks.workers,
        "warnings": [{"warning_id": w.code, "risk_type": w.risk_type,
                      "risk_label": risk_labels.get(w.risk_type, w.risk_type), "level": w.level,
                      "status": w.status,
                      "status_label": loop.STATUS_LABELS.get(w.status, w.status),
                      "reason": w.reason} for w in warnings],
        "contact": {"cadre": contact.cadre, "phone": contact.phone_masked,
                    "since": contact.day} if contact else None,
        "suggested_policies": suggest_policies(session, hh.id, settings, home, today),
        "measures": [{"policy": m.policy, "kind": m.kind, "help_type": m.help_type,
                      "start_date": m.start_date, "note": m.note, "by": m.actor}
                     for m in help_case.measures(session, hh.id)],
        "plan": {"status": decision.decision if decision else "pending",
                 "label": help_case.PLAN_DECISIONS[decision.decision] if decision else "待县级审核",
                 "day": decision.day if decision else None,
                 "reason": decision.reason if decision else None},
        "visits": [{"date": v.day, "mode": v.mode, "mode_label": help_case.MODES[v.mode],
                    "note": v.note, "income_month": v.income_month, "by": v.actor}
                   for v in visits],
        "next_visit_due": next_visit,
        "visit_overdue": bool(next_visit and next_visit < today),
        "checks": {"missing_kind": checks.missing_kind, "message": checks.message,
                   "kinds": list(checks.kinds)},
        "elimination": {
            "round": round_,
            "steps": [{"step": s.step, "label": help_case.STEP_LABELS[s.step], "date": s.day,
                       "end_date": s.end_date, "result": s.result, "note": s.note}
                      for s in steps],
            "next_step": _next_step(steps, open_case),
            "refused": help_case.NO_LABOUR if not checks.workers else None,
            "lacking": help_case.prerequisites(session, hh, checks) if open_case else [],
        },
        "clocks": _clock_rows(session, followed, settings, today),
    }
    audit(session, principal.name, "view_case", "household", hh.household_no, hh.township,
          {"role": principal.role})
    return view


def _next_step(steps: list, open_case: bool) -> str | None:
    """What elimination waits for."""
    if not open_case:
        return None
    if steps and steps[0].result == "reject":
        return "review"
    return help_case.STEPS[len(steps)] if len(steps) < len(help_case.STEPS) else None


def parse_income(value: str | float | None) -> float | None:
    """A form's 当月收入 (yuan), None when blank; InvalidInput naming the field otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"当月收入 {value!r} 不是数字（元）", "income_month") from None
