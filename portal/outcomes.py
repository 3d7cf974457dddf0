"""The portal's side of the verification loop: an outcome (两人同行), the county's 销号 decision
and the identification steps, checked for the caller and handed to screening.verification."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.errors import Conflict, Forbidden, InvalidInput, PortalError
from portal.inputs import clean_text
from portal.principal import Principal
from portal.queue import get_warning
from screening import verification as loop
from shouwang.core.clock import today as county_today
from warehouse.audit import record as audit
from warehouse.models import Household, RiskWarning, VerificationTask, WarningHistory
from warehouse.verification_tables import IdentificationStep

NAME_MAX = 64  # verification_tasks.verifier1/2 column width
REASON_MAX = 2000
REFUSALS: dict[str, type[PortalError]] = {"forbidden": Forbidden, "conflict": Conflict,
                                          "invalid": InvalidInput}


@dataclass(frozen=True)
class OutcomeForm:
    """What the verifier submits."""

    outcome: str
    verifier1: str
    verifier2: str
    reason: str | None = None


@dataclass(frozen=True)
class StepForm:
    """A loop or help-case step as a form or JSON body gives it (dates as YYYY-MM-DD text)."""

    step: str
    date: str | None = None
    end_date: str | None = None
    result: str | None = None
    note: str | None = None


@dataclass
class LoopView:
    """Where a warning stands in the loop: its history, the steps that stand, what comes next."""

    status: str
    history: list[dict] = field(default_factory=list)
    steps: list[IdentificationStep] = field(default_factory=list)
    next: str | None = None  # outcome | closure | a step name | None
    may_confirm: bool = False


def _clean(form: OutcomeForm, outcomes: dict) -> OutcomeForm:
    """The form with spaces trimmed, or InvalidInput naming the field to fix."""
    outcome = clean_text(form.outcome, "outcome", "核实结果", NAME_MAX) or ""
    v1 = clean_text(form.verifier1, "verifier1", "核实人一", NAME_MAX)
    v2 = clean_text(form.verifier2, "verifier2", "核实人二", NAME_MAX)
    reason = clean_text(form.reason, "reason", "理由", REASON_MAX)
    if outcome not in outcomes:
        raise InvalidInput(f"核实结果必须是以下之一: {'、'.join(outcomes)}", "outcome")
    if not v1 or not v2:
        raise InvalidInput("两人同行：请填写两名核实人员姓名", "verifier2" if v1 else "verifier1")
    if v1 == v2:
        raise InvalidInput("两名核实人员不能是同一人", "verifier2")
    if outcomes[outcome].get("needs_reason") and not reason:
        raise InvalidInput(f"“{outcome}”需要填写理由", "reason")
    return OutcomeForm(outcome, v1, v2, reason)


def refused_error(e: loop.Refused) -> PortalError:
    """The portal error (403/409/422) of a refusal of the loop."""
    err = REFUSALS[e.kind]
    return err(str(e), e.field) if err is InvalidInput else err(str(e))


def _actor(principal: Principal) -> loop.Actor:
    return loop.Actor(principal.name, principal.role)


def record_outcome(session: Session, principal: Principal, warning_id: str, form: OutcomeForm,
                   settings: dict, today: dt.date | None = None
                   ) -> tuple[RiskWarning, VerificationTask]:
    """Store the outcome on the warning's task, move the warning on (a second outcome is a
    correction), and audit it."""
    principal.require("record_outcome")
    warning = get_warning(session, principal, warning_id)
    outcomes = settings["portal"]["outcomes"]
    form = _clean(form, outcomes)
    try:
        task = loop.apply_outcome(session, warning, outcome=form.outcome, reason=form.reason,
                                  verifiers=(form.verifier1, form.verifier2),
                                  actor=_actor(principal), settings=settings,
                                  today=today or county_today(settings))
    except loop.Refused as e:
        raise refused_error(e) from None
    audit(session, principal.name, "record_outcome", "warning", warning.code, warning.township,
          {"outcome": form.outcome, "verifiers": [form.verifier1, form.verifier2],
           "reason": form.reason, "warning_status": warning.status})
    return warning, task


def decide_closure(session: Session, principal: Principal, warning_id: str, decision: str,
                   reason: str | None, settings: dict, today: dt.date | None = None
                   ) -> RiskWarning:
    """The county confirms a 不符合 (销号) or returns it to the township; audited."""
    principal.require("warnings")
    warning = get_warning(session, principal, warning_id)
    reason = clean_text(reason, "reason", "理由", REASON_MAX)
    try:
        loop.decide_closure(session, warning, decision=decision, reason=reason,
                            actor=_actor(principal), settings=settings,
                            today=today or county_today(settings))
    except loop.Refused as e:
        raise refused_error(e) from None
    audit(session, principal.name, "closure", "warning", warning.code, warning.township,
          {"decision": decision, "reason": reason, "warning_status": warning.status})
    return warning


def form_date(text: str | None, name: str, label: str) -> dt.date | None:
    """A YYYY-MM-DD field, None when blank; InvalidInput naming the field otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{label} {text!r} 不是日期，请用 YYYY-MM-DD", name) from None


def record_identification(session: Session, principal: Principal, warning_id: str,
                          form: StepForm, settings: dict, today: dt.date | None = None
                          ) -> tuple[RiskWarning, IdentificationStep]:
    """Record one identification step (confirm: county roles only); audited."""
    principal.require("record_outcome")
    warning = get_warning(session, principal, warning_id)
    data = loop.StepInput(
        step=clean_text(form.step, "step", "步骤", 16) or "",
        date=form_date(form.date, "date", "日期"), end_date=form_date(form.end_date, "end_date", "结束日期"),
        result=clean_text(form.result, "result", "评议结果", 8),
        note=clean_text(form.note, "note", "备注", REASON_MAX))
    try:
        row = loop.record_step(session, warning, data, actor=_actor(principal),
                               settings=settings, today=today or county_today(settings))
    except loop.Refused as e:
        raise refused_error(e) from None
    audit(session, principal.name, "identification", "warning", warning.code, warning.township,
          {"step": row.step, "date": row.day.isoformat(), "result": row.result,
           "warning_status": warning.status})
    return warning, row


def loop_view(session: Session, principal: Principal, warning: RiskWarning,
              settings: dict) -> LoopView:
    """The warning's place in the loop for its page and GET /api/warnings/{code}."""
    task = session.scalar(select(VerificationTask).where(VerificationTask.warning_id == warning.id))
    steps = loop.current_steps(session, warning.id, task.identification_round) \
        if task and task.identification_round else []
    return LoopView(status=warning.status, history=loop.entries(session, warning.id), steps=steps,
                    next=loop.next_step(warning, steps),
                    may_confirm=loop.may_confirm(principal.role, settings))


@dataclass(frozen=True)
class AwaitingItem:
    """A warning waiting for the county: a 不符合 to close, or an identification to confirm."""

    warning_id: str
    township: str | None
    village: str | None
    household_no: str | None
    risk_type: str
    wait: str  # closure | confirm
    reason: str | None  # the township's 不符合 reason, or the review's note
    since: dt.date | None  # a notice's last day (confirm), else None
    status: str


def awaiting_county(session: Session, principal: Principal, limit: int) -> list[AwaitingItem]:
    """Warnings pending 销号 and identifications whose notice is recorded, oldest first."""
    principal.require("county_overview")
    q = (select(RiskWarning, VerificationTask, Household.household_no)
         .join(VerificationTask, VerificationTask.warning_id == RiskWarning.id)
         .outerjoin(Household, Household.id == RiskWarning.household_id)
         .where(principal.township_filter(RiskWarning.township),
                RiskWarning.status.in_((loop.PENDING_CLOSURE, loop.IDENTIFYING)))
         .order_by(RiskWarning.id).limit(limit))
    items = []
    for w, t, no in session.execute(q):
        if w.status == loop.PENDING_CLOSURE:
            # Why: the 不符合's reason, or the rejecting review's words, from the history.
            why = session.scalar(select(WarningHistory.reason).where(
                WarningHistory.warning_id == w.id, WarningHistory.to_status == loop.PENDING_CLOSURE)
                .order_by(WarningHistory.id.desc()).limit(1))
            items.append(AwaitingItem(w.code, w.township, w.village, no, w.risk_type, "closure",
                                      why, None, w.status))
            continue
        steps = loop.current_steps(session, w.id, t.identification_round)
        if loop.next_step(w, steps) == "confirm":
            notice = steps[-1]
            items.append(AwaitingItem(w.code, w.township, w.village, no, w.risk_type, "confirm",
                                      notice.note, notice.end_date, w.status))
    return items
