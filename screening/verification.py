"""The verification loop's state machine: outcomes, the county's 销号, the identification steps.

One module shared by the portal, the CLI and the DAGs. It moves a warning between STATUSES,
appends every change to ``warning_history`` (never overwrites: a second outcome or a step
recorded again is a ``correction`` entry, and the latest stands), starts and stops the clocks
(``screening.clocks.on_event``) and tells people (``screening.notify.notify``). Which roles may
do what beyond "confirm" is the caller's business; refusals are ``Refused`` with a Chinese
message and a kind the portal turns into 403 / 409 / 422.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from screening import clocks, history, notify
from screening.calendar import add_working_days, is_working_day, working_days_between
from warehouse.masking import mask_text
from warehouse.models import (Household, HouseholdHistory, RiskWarning, VerificationTask,
                              WarningHistory, utcnow)
from warehouse.verification_tables import IdentificationStep

OPEN, VERIFYING, PENDING_CLOSURE, CLOSED = "open", "verifying", "pending_closure", "closed"
IDENTIFYING, MONITORED, ADJUSTING, WITHDRAWN = "identifying", "monitored", "adjusting", "withdrawn"
STATUSES = (OPEN, VERIFYING, PENDING_CLOSURE, CLOSED, IDENTIFYING, MONITORED, ADJUSTING, WITHDRAWN)
STATUS_LABELS = {OPEN: "待核实", VERIFYING: "核实中", PENDING_CLOSURE: "待县级确认销号",
                 CLOSED: "已销号", IDENTIFYING: "识别认定中", MONITORED: "已纳入监测",
                 ADJUSTING: "调整帮扶", WITHDRAWN: "已撤回"}
# An outcome may be recorded, or corrected, only before the loop went on from it.
OUTCOME_STATUSES = (OPEN, VERIFYING, PENDING_CLOSURE, IDENTIFYING, ADJUSTING)
STEPS = ("pledge", "review", "notice", "confirm", "entered")  # seed 004 §8, seed 000 step 3
STEP_LABELS = {"pledge": "承诺授权", "review": "民主评议", "notice": "公示", "confirm": "县级确认",
               "entered": "录入全国监测系统"}
RESULTS = {"pass": "通过", "reject": "不通过"}
DECISIONS = {"confirm": "确认销号", "return": "退回乡镇"}
ACTIONS = {"opened": "生成预警", "updated": "预警更新", "withdrawn": "撤回", "status": "状态变更",
           "evidence_withdrawn": "依据撤回", "outcome": "核实结果", "correction": "更正",
           "unreachable": "无法联系", "escalated": "升级至县级", "closure": "县级销号审核",
           "identification": "识别认定", "overdue": "逾期"}
NOTE_MAX = 2000


@dataclass(frozen=True)
class Actor:
    """Who acts: the name written in the history, and the role that decides "confirm"."""

    name: str
    role: str


class Refused(Exception):
    """A change the loop does not allow; ``kind`` is forbidden, conflict or invalid."""

    def __init__(self, message: str, kind: str, field: str | None = None):
        super().__init__(message)
        self.kind, self.field = kind, field


@dataclass(frozen=True)
class StepInput:
    """One identification step as the paper says it happened."""

    step: str
    date: dt.date | None
    end_date: dt.date | None = None  # notice only
    result: str | None = None  # review only: pass | reject
    note: str | None = None


def _cfg(settings: dict) -> dict:
    return settings["verification"]


def may_confirm(role: str, settings: dict) -> bool:
    """True when ``role`` may confirm a closure or an identification (county roles only)."""
    return role in _cfg(settings)["confirm_roles"]


def _task(session: Session, warning: RiskWarning) -> VerificationTask:
    """The warning's task, made when the pipeline has not made one yet."""
    task = session.scalar(select(VerificationTask).where(VerificationTask.warning_id == warning.id))
    if task is None:
        task = VerificationTask(warning_id=warning.id, township=warning.township,
                                due_date=warning.due_date, attempts=0, identification_round=0)
        session.add(task)
    return task


def _write(session: Session, warning: RiskWarning, kind: str, reason: str, before: str,
           actor: Actor, now: dt.datetime, fields: dict) -> None:
    """Append one history entry for ``warning`` (its status is already the new one)."""
    history.append(session, [history.entry(warning.id, kind, warning.last_period, now, reason,
                                           before, warning.status, actor=actor.name,
                                           fields=fields)])


def _label(warning: RiskWarning) -> str:
    """The warning's status in words."""
    return STATUS_LABELS.get(warning.status, warning.status)


def _ended(warning: RiskWarning) -> None:
    """Refuse a change on a warning that no longer takes one."""
    if warning.status == CLOSED:
        raise Refused(f"预警 {warning.code} 已销号，不能再更改", "conflict")
    if warning.status == WITHDRAWN:
        raise Refused(f"预警 {warning.code} 已因部门更正数据撤回，无需核实", "conflict")
    if warning.status == MONITORED:
        raise Refused(f"预警 {warning.code} 已纳入监测，识别认定已完成", "conflict")


def apply_outcome(session: Session, warning: RiskWarning, *, outcome: str, reason: str | None,
                  verifiers: tuple[str, str], actor: Actor, settings: dict, today: dt.date
                  ) -> VerificationTask:
    """Record a verification outcome (settings ``portal.outcomes``): move the warning on, or
    append a correction when an earlier decision stands; 无法联系 counts the visit, sets the next
    one and escalates to the county after the configured number of visits."""
    _ended(warning)
    rules = settings["portal"]["outcomes"]
    rule = rules[outcome]
    task = _task(session, warning)
    session.flush()
    started = current_steps(session, warning.id, task.identification_round)
    if warning.status == IDENTIFYING and started:
        raise Refused(f"预警 {warning.code} 的识别认定已开始，不能再更改核实结果", "conflict")
    previous = task.outcome
    decided = previous is not None and rules.get(previous, {}).get("task_status") == "done"
    correction = decided and warning.status != OPEN
    retry = bool(rule.get("retry"))
    now, before = utcnow(), warning.status
    new_status = rule["warning_status"]
    if new_status == IDENTIFYING and before != IDENTIFYING:
        task.identification_round = (task.identification_round or 0) + 1
    task.outcome, task.outcome_reason = outcome, reason
    task.verifier1, task.verifier2 = verifiers
    task.recorded_by, task.recorded_at = actor.name, now
    task.status = rule["task_status"]
    cfg = _cfg(settings)
    if retry:
        task.attempts = (task.attempts or 0) + 1
        task.next_attempt = add_working_days(today, int(cfg["unreachable_retry_working_days"]))
    else:
        task.next_attempt = None
    warning.status = new_status
    fields = {"outcome": outcome, "verifiers": list(verifiers)}
    if reason:
        fields["reason"] = reason
    if correction:
        fields["previous_outcome"] = previous
    if retry:
        fields.update(attempts=task.attempts, next_attempt=task.next_attempt.isoformat())
    kind = "correction" if correction else ("unreachable" if retry else "outcome")
    words = f"核实结果：{outcome}" + (f"（{reason}）" if reason else "")
    if correction:
        words = f"更正核实结果：{previous} → {outcome}" + (f"（{reason}）" if reason else "")
    elif retry:
        words += f"，第 {task.attempts} 次未联系上，下次走访 {task.next_attempt.isoformat()}"
    _write(session, warning, kind, words, before, actor, now, fields)
    event = "outcome:unreachable" if retry else f"outcome:{new_status}"
    clocks.on_event(session, warning.id, event, today, settings)
    if retry and task.attempts == int(cfg["unreachable_escalate_after"]):
        text = f"预警 {warning.code}（{warning.township or ''}）已 {task.attempts} 次无法联系，请县级协调"
        _write(session, warning, "escalated", text, warning.status, actor, now,
               {"attempts": task.attempts, "audience": "county"})
        notify.notify(session, "escalated", text, warning_id=warning.id,
                      township=warning.township, audience="county", at=now)
    if new_status == PENDING_CLOSURE and before != PENDING_CLOSURE:
        notify.notify(session, "awaiting_confirmation",
                      f"预警 {warning.code}（{warning.township or ''}）核实为不符合，待县级确认销号",
                      warning_id=warning.id, township=warning.township, audience="county", at=now)
    return task


def decide_closure(session: Session, warning: RiskWarning, *, decision: str, reason: str | None,
                   actor: Actor, settings: dict, today: dt.date) -> None:
    """The county's answer to a 不符合: ``confirm`` closes (销号), ``return`` sends the warning
    back to the township as open, with the reason."""
    if not may_confirm(actor.role, settings):
        raise Refused("只有县级管理员可以确认或退回销号", "forbidden")
    if decision not in DECISIONS:
        raise Refused(f"decision 必须是 confirm（确认销号）或 return（退回乡镇），不是 {decision!r}",
                      "invalid", "decision")
    if warning.status != PENDING_CLOSURE:
        raise Refused(f"预警 {warning.code} 不在待县级确认销号状态（当前：{_label(warning)}）",
                      "conflict")
    if decision == "return" and not reason:
        raise Refused("退回乡镇需要填写理由", "invalid", "reason")
    task = _task(session, warning)
    now, before = utcnow(), warning.status
    fields = {"decision": decision, **({"reason": reason} if reason else {})}
    if decision == "confirm":
        warning.status = CLOSED
        words = "县级确认销号" + (f"（{reason}）" if reason else "")
        _write(session, warning, "closure", words, before, actor, now, fields)
        clocks.on_event(session, warning.id, "closure_confirmed", today, settings)
        return
    warning.status, task.status = OPEN, "pending"
    words = f"县级退回乡镇重新核实：{reason}"
    _write(session, warning, "closure", words, before, actor, now, fields)
    clocks.on_event(session, warning.id, "closure_returned", today, settings)
    notify.notify(session, "returned", f"预警 {warning.code} 被县级退回重新核实：{mask_text(reason)}",
                  warning_id=warning.id, township=warning.township, audience="township", at=now)


def current_steps(session: Session, warning_id: int, round_: int) -> list[IdentificationStep]:
    """The steps that stand in the warning's identification round, in order: the latest row of
    each step, up to the first step not yet recorded."""
    latest: dict[str, IdentificationStep] = {}
    for row in session.scalars(select(IdentificationStep).where(
            IdentificationStep.warning_id == warning_id, IdentificationStep.round == round_)
            .order_by(IdentificationStep.id)):
        latest[row.step] = row  # ascending ids: the last one seen stands
    done = []
    for name in STEPS:
        if name not in latest:
            break
        done.append(latest[name])
    return done


def _last_day(step: IdentificationStep) -> dt.date:
    """The day a step ended on paper (a notice's last day)."""
    return step.end_date if step.step == "notice" and step.end_date else step.day


def check_step(data: StepInput, done: list, today: dt.date, settings: dict,
               steps: tuple[str, ...] = STEPS, labels: dict[str, str] = STEP_LABELS) -> bool:
    """Refuse a step out of order or with impossible dates; True when it corrects the latest.
    ``done`` are the round's standing steps (identification's, or a help case's elimination
    steps with their own ``steps``/``labels``): both rounds keep the same order and date rules."""
    index = steps.index(data.step)
    if index > len(done):
        raise Refused(f"请先完成「{labels[steps[len(done)]]}」，再记录「{labels[data.step]}」",
                      "conflict", "step")
    if index < len(done) - 1:
        raise Refused(f"「{labels[data.step]}」之后的步骤已记录，不能再更改", "conflict", "step")
    if data.date is None:
        raise Refused("请填写日期（纸质材料上的日期）", "invalid", "date")
    if data.date > today:
        raise Refused(f"日期 {data.date.isoformat()} 晚于今天 {today.isoformat()}，请填写实际发生的日期",
                      "invalid", "date")
    if index > 0 and data.date < _last_day(done[index - 1]):
        prev = done[index - 1]
        raise Refused(f"日期 {data.date.isoformat()} 早于上一步「{labels[prev.step]}」的日期 "
                      f"{_last_day(prev).isoformat()}", "invalid", "date")
    if data.step == "review" and data.result not in RESULTS:
        raise Refused("民主评议需要填写结果：pass（通过）或 reject（不通过）", "invalid", "result")
    if data.step == "notice":
        _check_notice(data, settings)
    return index == len(done) - 1


def _check_notice(data: StepInput, settings: dict) -> None:
    """A 公示 lasts at least the configured working days, its first and last day included."""
    if data.end_date is None:
        raise Refused("公示需要填写结束日期", "invalid", "end_date")
    if data.end_date < data.date:
        raise Refused("公示结束日期早于开始日期", "invalid", "end_date")
    least = int(_cfg(settings)["notice_min_working_days"])
    days = int(is_working_day(data.date)) + working_days_between(data.date, data.end_date)
    if days < least:
        raise Refused(f"公示期不少于 {least} 个工作日：{data.date.isoformat()} 至 "
                      f"{data.end_date.isoformat()} 只有 {days} 个工作日", "invalid", "end_date")


def record_step(session: Session, warning: RiskWarning, data: StepInput, *, actor: Actor,
                settings: dict, today: dt.date) -> IdentificationStep:
    """Append one identification step (or a correction of the latest): a rejecting review ends
    in pending_closure like 不符合, ``entered`` makes the household a monitored object."""
    if data.step not in STEPS:
        raise Refused(f"step 必须是 {'、'.join(STEPS)} 之一", "invalid", "step")
    if data.step == "confirm" and not may_confirm(actor.role, settings):
        raise Refused("县级确认只能由县级管理员记录", "forbidden")
    _ended(warning)
    if warning.status != IDENTIFYING:
        raise Refused(f"预警 {warning.code} 不在识别认定中（当前：{_label(warning)}），"
                      "请先记录核实结果“纳入监测”", "conflict")
    task = _task(session, warning)
    session.flush()
    done = current_steps(session, warning.id, task.identification_round)
    correction = check_step(data, done, today, settings)
    now, before = utcnow(), warning.status
    note = mask_text(data.note) if data.note else None
    row = IdentificationStep(warning_id=warning.id, round=task.identification_round,
                             step=data.step, day=data.date,
                             end_date=data.end_date if data.step == "notice" else None,
                             result=data.result if data.step == "review" else None,
                             note=note, actor=actor.name, recorded_at=now)
    session.add(row)
    if data.step == "review" and data.result == "reject":
        warning.status = PENDING_CLOSURE
    elif data.step == "entered":
        warning.status = MONITORED
        _at_risk_again(session, warning, settings)
    session.flush()
    fields = {"step": data.step, "date": data.date.isoformat()}
    words = f"{STEP_LABELS[data.step]}：{data.date.isoformat()}"
    if row.end_date:
        fields["end_date"] = row.end_date.isoformat()
        words += f" 至 {row.end_date.isoformat()}"
    if row.result:
        fields["result"] = row.result
        words += f"，{RESULTS[row.result]}"
    if note:
        fields["note"] = note
        words += f"（{note}）"
    _write(session, warning, "correction" if correction else "identification",
           ("更正" if correction else "") + words, before, actor, now, fields)
    clocks.on_event(session, warning.id, data.step, data.date, settings)
    if warning.status == PENDING_CLOSURE:
        clocks.on_event(session, warning.id, "review:reject", data.date, settings)
        notify.notify(session, "awaiting_confirmation",
                      f"预警 {warning.code}（{warning.township or ''}）民主评议不通过，待县级确认销号",
                      warning_id=warning.id, township=warning.township, audience="county", at=now)
    elif data.step == "notice" and not correction:
        notify.notify(session, "awaiting_confirmation",
                      f"预警 {warning.code}（{warning.township or ''}）公示至 {row.end_date.isoformat()}，"
                      "期满后待县级确认", warning_id=warning.id, township=warning.township,
                      audience="county", at=now)
    return row


def next_step(warning: RiskWarning, done: list[IdentificationStep]) -> str | None:
    """What the warning waits for: ``outcome``, ``closure``, an identification step, or None."""
    if warning.status in (OPEN, VERIFYING):
        return "outcome"
    if warning.status == PENDING_CLOSURE:
        return "closure"
    if warning.status == IDENTIFYING:
        return STEPS[len(done)] if len(done) < len(STEPS) else None
    return None


def entries(session: Session, warning_id: int) -> list[dict]:
    """The warning's history for people and the API, oldest first: at, by, action and what
    changed (from/to status, the fields, the reason)."""
    rows: list[WarningHistory] = history.of_warning(session, warning_id)
    return [{"at": h.at, "by": h.actor, "action": h.kind,
             "action_label": ACTIONS.get(h.kind, h.kind), "from_status": h.from_status,
             "to_status": h.to_status, "reason": h.reason, "fields": h.fields or {},
             "period": h.period} for h in rows]


def set_risk_status(session: Session, household: Household, status: str) -> None:
    """The household's 风险状态 becomes ``status``: a new household_history row (the running one
    closed) — history appends."""
    now = utcnow()
    session.execute(update(HouseholdHistory).where(HouseholdHistory.household_id == household.id,
                                                   HouseholdHistory.valid_to.is_(None))
                    .values(valid_to=now))
    session.add(HouseholdHistory(household_id=household.id, valid_from=now, valid_to=None,
                                 household_type=household.household_type, risk_status=status,
                                 income_per_capita=household.income_per_capita,
                                 size=household.size, roster_batch_id=household.roster_batch_id))
    household.risk_status = status
    session.flush()


def _at_risk_again(session: Session, warning: RiskWarning, settings: dict) -> None:
    # A household whose risk was eliminated and that is identified again (a new risk, seed 004
    # §9) is a monitored object with 风险未消除 once more, so its help case can start.
    household = session.get(Household, warning.household_id) if warning.household_id else None
    help_cfg = settings.get("help", {})
    if household is not None and household.risk_status == help_cfg.get("eliminated_status"):
        set_risk_status(session, household, help_cfg["at_risk_statuses"][0])
