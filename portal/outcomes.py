"""Recording a verification outcome: two verifiers (两人同行), one of the configured outcomes."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.errors import Conflict, InvalidInput
from portal.inputs import clean_text
from portal.principal import Principal
from portal.queue import get_warning
from screening import history
from warehouse.audit import record as audit
from warehouse.models import VerificationTask, RiskWarning, utcnow

NAME_MAX = 64  # verification_tasks.verifier1/2 column width
REASON_MAX = 2000


@dataclass(frozen=True)
class OutcomeForm:
    """What the verifier submits."""

    outcome: str
    verifier1: str
    verifier2: str
    reason: str | None = None


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


def record_outcome(session: Session, principal: Principal, warning_id: str, form: OutcomeForm,
                   settings: dict) -> tuple[RiskWarning, VerificationTask]:
    """Store the outcome on the warning's task, move the warning on, and audit it."""
    principal.require("record_outcome")
    warning = get_warning(session, principal, warning_id)
    if warning.status == "closed":
        raise Conflict(f"预警 {warning.code} 已销号，不能再记录核实结果")
    if warning.status == "withdrawn":
        raise Conflict(f"预警 {warning.code} 已因部门更正数据撤回，无需核实")
    outcomes = settings["portal"]["outcomes"]
    form = _clean(form, outcomes)
    rule = outcomes[form.outcome]
    task = session.scalar(select(VerificationTask).where(VerificationTask.warning_id == warning.id))
    if task is None:
        task = VerificationTask(warning_id=warning.id, township=warning.township,
                                due_date=warning.due_date)
        session.add(task)
    task.outcome, task.outcome_reason = form.outcome, form.reason
    task.verifier1, task.verifier2 = form.verifier1, form.verifier2
    task.recorded_by, task.recorded_at = principal.name, utcnow()
    task.status = rule["task_status"]
    before, warning.status = warning.status, rule["warning_status"]
    session.flush()
    history.append(session, [history.entry(
        warning.id, "outcome", warning.last_period, task.recorded_at,
        f"核实结果：{form.outcome}" + (f"（{form.reason}）" if form.reason else ""),
        before, warning.status, actor=principal.name)])
    audit(session, principal.name, "record_outcome", "warning", warning.code, warning.township,
          {"outcome": form.outcome, "verifiers": [form.verifier1, form.verifier2],
           "reason": form.reason, "warning_status": warning.status})
    return warning, task
