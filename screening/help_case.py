"""A monitored household's case (帮扶, seed 000 steps 3–5, seed 002 二(二)(三)): contact cadre,
plan and measures, visits, the seeds' checks and risk elimination (风险消除).

One module for the portal and the demo. Every record appends a row (help_tables: the latest
row of a kind stands, a correction is a new row), starts and stops the step clocks of the
household's monitored warnings (screening.clocks) and tells the county when it must act
(screening.notify). Refusals are screening.verification.Refused, as in the verification loop,
so the portal answers them the same way (403 / 409 / 422).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screening import clocks, notify
from screening.rules.loader import merged_section, rule_stamp
from screening.verification import (ADJUSTING, MONITORED, Actor, Refused, StepInput,
                                    check_step, may_confirm, set_risk_status)
from shouwang.core.clock import local_date
from warehouse.crypto import Vault
from warehouse.db import in_chunks
from warehouse.help_tables import (EliminationStep, HelpContact, HelpMeasure, HelpPlanDecision,
                                   HelpVisit)
from warehouse.masking import mask_phone, mask_text
from warehouse.models import (Household, Person, RiskWarning, WarningHistory,
                              utcnow)
from warehouse.sensitive import PHONE, clean_phone, sealed_pair
from warehouse.verification_tables import IdentificationStep

CASE_STATUSES = (MONITORED, ADJUSTING)  # warnings whose household the help loop takes over
STEPS = ("review", "notice", "confirm")  # seed 000 step 5, 004 §9: as identification
STEP_LABELS = {"review": "民主评议", "notice": "公示", "confirm": "县级确认"}
MODES = {"visit": "入户走访", "phone": "电话联系"}
PLAN_DECISIONS = {"approve": "县级审核通过", "return": "退回修改"}
DEVELOPMENT, PROTECTION = "开发式", "兜底"
# Events this module emits; screening.clocks starts and stops the rules YAML's clocks on them.
EVENTS = ("contact", "plan_approved", "measure", "visit", "eliminated",
          "clear:ordinary", "clear:difficult", "clear:special")
NO_LABOUR = "无劳动能力户暂不标注风险消除"
NOTE_MAX = 2000


def _cfg(settings: dict) -> dict:
    return settings["help"]


@dataclass(frozen=True)
class Checks:
    """What the seeds ask of a case, and what is missing."""

    workers: int  # members able to work
    kinds: tuple[str, ...]  # kinds of the household's measures
    missing_kind: str | None  # 开发式 | 兜底 | None

    @property
    def message(self) -> str | None:
        """The flag in words, or None."""
        if self.missing_kind == DEVELOPMENT:
            return f"家中有 {self.workers} 名劳动力，缺少开发式帮扶措施（就业、产业、培训、小额信贷等）"
        if self.missing_kind == PROTECTION:
            return "家中无劳动能力成员，缺少兜底保障措施（低保、特困供养、残疾人两项补贴等）"
        return None


# --- who is in the case ---------------------------------------------------------------------


def case_warnings(session: Session, household_id: int) -> list[RiskWarning]:
    """The household's warnings the help loop follows (monitored or adjusting), oldest first."""
    return list(session.scalars(select(RiskWarning).where(
        RiskWarning.household_id == household_id, RiskWarning.status.in_(CASE_STATUSES))
        .order_by(RiskWarning.id)))


def case_start(session: Session, household_id: int, settings: dict) -> dt.date | None:
    """The day a warning of the household first became a case: the paper date of its entry in
    the national system (录入, the identification's last step) or, when earlier or without
    one, the county day its history first reached monitored or adjusting (调整帮扶)."""
    entered = session.scalar(select(func.min(IdentificationStep.day))
                             .join(RiskWarning, RiskWarning.id == IdentificationStep.warning_id)
                             .where(RiskWarning.household_id == household_id,
                                    IdentificationStep.step == "entered"))
    at = session.scalar(select(func.min(WarningHistory.at))
                        .join(RiskWarning, RiskWarning.id == WarningHistory.warning_id)
                        .where(RiskWarning.household_id == household_id,
                               WarningHistory.to_status.in_(CASE_STATUSES)))
    days = [d for d in (entered, local_date(at, settings) if at else None) if d is not None]
    return min(days) if days else None


def is_open_case(session: Session, household: Household, settings: dict) -> bool:
    """True while the household is a monitored object not yet 风险已消除: a warning of it was
    identified (monitored / adjusting) or the roster marks it 风险未消除."""
    cfg = _cfg(settings)
    if household.risk_status == cfg["eliminated_status"]:
        return False
    return household.risk_status in cfg["at_risk_statuses"] or bool(
        case_warnings(session, household.id))


@lru_cache(maxsize=64)
def _unable(stamp: tuple) -> frozenset[str]:
    # Only the parameters section, as screening.clocks reads its own: parsing the whole rule set
    # for one list on every page would cost a third of a second.
    parameters, _ = merged_section(stamp, "parameters")
    return frozenset(parameters["labour"]["unable"])


def unable_capacities(settings: dict, day: dt.date, home: Path | None = None) -> frozenset[str]:
    """The roster's 劳动能力 values of someone who cannot work (rules parameter labour.unable),
    reread when a rule file changes."""
    return _unable(rule_stamp(settings, day.year, home))


def workers(session: Session, household_ids: Iterable[int], unable: frozenset[str]
            ) -> dict[int, int]:
    """Members able to work of each household (active roster members not in ``unable``)."""
    out: dict[int, int] = {}
    for part in in_chunks(sorted(set(household_ids))):
        for hid in part:
            out[hid] = 0
        for hid, capacity in session.execute(select(Person.household_id, Person.labour_capacity)
                                             .where(Person.household_id.in_(part),
                                                    Person.active.is_(True))):
            if capacity not in unable:
                out[hid] += 1
    return out


def measures(session: Session, household_id: int) -> list[HelpMeasure]:
    """The household's measures, oldest first."""
    return list(session.scalars(select(HelpMeasure).where(HelpMeasure.household_id == household_id)
                                .order_by(HelpMeasure.id)))


def measures_of(session: Session, household_ids: Iterable[int]) -> dict[int, list[HelpMeasure]]:
    """Many households' measures at once (the assistance list, the county view), oldest first."""
    out: dict[int, list[HelpMeasure]] = defaultdict(list)
    for part in in_chunks(sorted(set(household_ids))):
        for row in session.scalars(select(HelpMeasure).where(HelpMeasure.household_id.in_(part))
                                   .order_by(HelpMeasure.id)):
            out[row.household_id].append(row)
    return dict(out)


def missing_measure_kinds(session: Session, household_ids: Iterable[int], settings: dict,
                          day: dt.date, home: Path | None = None) -> dict[int, Checks]:
    """The seeds' check for each household (seed 000, 002 二(二)): someone able to work needs a
    开发式 measure, nobody able to work a 兜底 one. Every household given gets its Checks; the
    county view, digest and lists keep those whose ``missing_kind`` is set."""
    ids = sorted(set(household_ids))
    able = workers(session, ids, unable_capacities(settings, day, home))
    kinds: dict[int, set[str]] = defaultdict(set)
    for part in in_chunks(ids):
        for hid, kind in session.execute(select(HelpMeasure.household_id, HelpMeasure.kind)
                                         .where(HelpMeasure.household_id.in_(part))):
            kinds[hid].add(kind)
    out = {}
    for hid in ids:
        need = DEVELOPMENT if able[hid] else PROTECTION
        out[hid] = Checks(able[hid], tuple(sorted(kinds[hid])),
                          None if need in kinds[hid] else need)
    return out


# --- clocks and notices ---------------------------------------------------------------------


def _emit(session: Session, household_id: int, event: str, day: dt.date, settings: dict) -> None:
    """Tell the clocks of the household's followed warnings that ``event`` happened on ``day``.

    The help events must be listed in screening.clocks.EVENTS for the rules YAML to name them;
    until they are, the case records without clocks (docs/help-loop.md)."""
    if event not in clocks.EVENTS:
        return
    ids = [w.id for w in case_warnings(session, household_id)]
    if ids:
        clocks.on_events(session, ids, event, day, settings)


def _start_clearing(session: Session, household_id: int, day: dt.date, settings: dict) -> None:
    """Start each followed warning's 动态清零 clock by its problem class (seed 000: ordinary 15
    days, difficult 6 months, special a year; the class of a level is settings
    help.clearing_class_by_level). Idempotent: a running clock is not started again."""
    classes = _cfg(settings)["clearing_class_by_level"]
    for w in case_warnings(session, household_id):
        event = f"clear:{classes.get(w.level, 'ordinary')}"
        if event in clocks.EVENTS:
            clocks.on_event(session, w.id, event, day, settings)


def _tell_county(session: Session, household: Household, text: str) -> None:
    """A notice for the county's users about this household (its first followed warning)."""
    followed = case_warnings(session, household.id)
    notify.notify(session, "awaiting_confirmation", text,
                  warning_id=followed[0].id if followed else None,
                  township=household.township, audience="county")


def _open(session: Session, household: Household, settings: dict) -> None:
    """Refuse a record on a household that is not an open case."""
    if household.risk_status == _cfg(settings)["eliminated_status"]:
        raise Refused(f"户 {household.household_no} 已风险消除，不能再记录", "conflict")
    if not is_open_case(session, household, settings):
        raise Refused(f"户 {household.household_no} 不是监测对象（尚未识别认定纳入监测）",
                      "conflict")


def _date(value: dt.date | None, field: str, label: str, today: dt.date) -> dt.date:
    """A paper date: required and not after today."""
    if value is None:
        raise Refused(f"请填写{label}（YYYY-MM-DD）", "invalid", field)
    if value > today:
        raise Refused(f"{label} {value.isoformat()} 晚于今天 {today.isoformat()}，请填写实际日期",
                      "invalid", field)
    return value


def _note(text: str | None) -> str | None:
    """A note for people, IDs and phones masked, or None."""
    text = (text or "").strip()
    if len(text) > NOTE_MAX:
        raise Refused(f"备注不超过 {NOTE_MAX} 字", "invalid", "note")
    return mask_text(text) if text else None


# --- contact cadre ----------------------------------------------------------------------------


def latest_contact(session: Session, household_id: int) -> HelpContact | None:
    """The contact cadre that stands (the newest row)."""
    return session.scalar(select(HelpContact).where(HelpContact.household_id == household_id)
                          .order_by(HelpContact.id.desc()).limit(1))


def cadre_households(session: Session, cadre: str, phone_index: str | None,
                     settings: dict) -> set[int]:
    """Households (not yet 风险已消除) whose standing contact is this cadre: the same phone, or
    the same name when no phone was given."""
    latest = (select(HelpContact.household_id, func.max(HelpContact.id).label("id"))
              .group_by(HelpContact.household_id).subquery())
    query = (select(HelpContact.household_id)
             .join(latest, latest.c.id == HelpContact.id)
             .join(Household, Household.id == HelpContact.household_id)
             .where(func.coalesce(Household.risk_status, "") != _cfg(settings)["eliminated_status"]))
    query = query.where(HelpContact.phone_index == phone_index) if phone_index else \
        query.where(HelpContact.cadre == cadre, HelpContact.phone_index.is_(None))
    return set(session.scalars(query))


def assign_contact(session: Session, household: Household, *, cadre: str, phone: str | None,
                   vault: Vault, actor: Actor, settings: dict, today: dt.date) -> HelpContact:
    """Make ``cadre`` the household's contact (within 1 day, seed 000 step 3); a cadre who
    already has the configured number of households (two) is refused."""
    _open(session, household, settings)
    cadre = (cadre or "").strip()
    if not cadre or len(cadre) > 64:
        raise Refused("请填写联系人姓名（不超过 64 字）", "invalid", "cadre")
    digits = clean_phone(phone)
    if phone and not 7 <= len(digits) <= 15:
        raise Refused("联系电话应为 7 到 15 位数字", "invalid", "phone")
    uid = uuid.uuid4().hex
    sealed = sealed_pair(vault, PHONE, HelpContact.__tablename__, "phone_cipher", uid, digits) \
        if digits else {"phone_cipher": None, "phone_index": None}
    theirs = cadre_households(session, cadre, sealed["phone_index"], settings) - {household.id}
    most = int(_cfg(settings)["max_households_per_cadre"])
    if len(theirs) >= most:
        raise Refused(f"联系人 {cadre} 已联系 {len(theirs)} 户，每名联系人最多联系 {most} 户",
                      "conflict", "cadre")
    row = HelpContact(uid=uid, household_id=household.id, cadre=cadre,
                      phone_masked=mask_phone(digits) if digits else None, day=today,
                      actor=actor.name, recorded_at=utcnow(), **sealed)
    session.add(row)
    session.flush()
    _emit(session, household.id, "contact", today, settings)
    _start_clearing(session, household.id, today, settings)  # the case's first step
    return row


# --- plan and measures ------------------------------------------------------------------------


def record_measure(session: Session, household: Household, *, policy: str,
                   start_date: dt.date | None, note: str | None, actor: Actor, settings: dict,
                   today: dt.date, home: Path | None = None) -> HelpMeasure:
    """Add a measure from the county's policy list to the household's plan."""
    from screening.policies import stored_policies

    _open(session, household, settings)
    found = {p.name: p for p in stored_policies(session, settings, home)}
    chosen = found.get((policy or "").strip())
    if chosen is None:
        raise Refused(f"政策 {policy!r} 不在县政策清单中；可选：{'、'.join(found)}", "invalid",
                      "policy")
    if start_date is None:  # a measure may start later than today: it is planned
        raise Refused("请填写措施开始日期（YYYY-MM-DD）", "invalid", "start_date")
    start = start_date
    row = HelpMeasure(household_id=household.id, policy=chosen.name, kind=chosen.kind,
                      help_type=chosen.help_type, start_date=start, note=_note(note),
                      actor=actor.name, recorded_at=utcnow())
    session.add(row)
    session.flush()
    _emit(session, household.id, "measure", today, settings)
    if plan_state(session, household.id) is None and len(measures(session, household.id)) == 1:
        _tell_county(session, household, f"户 {household.household_no}（{household.township or ''}）"
                                         "已制定帮扶措施，待县级审核帮扶方案")
    return row


def plan_decision(session: Session, household_id: int) -> HelpPlanDecision | None:
    """The county's latest decision on the plan."""
    return session.scalar(select(HelpPlanDecision)
                          .where(HelpPlanDecision.household_id == household_id)
                          .order_by(HelpPlanDecision.id.desc()).limit(1))


def plan_state(session: Session, household_id: int) -> str | None:
    """approve | return | None (not decided yet)."""
    row = plan_decision(session, household_id)
    return row.decision if row else None


def decide_plan(session: Session, household: Household, *, decision: str, reason: str | None,
                actor: Actor, settings: dict, today: dt.date) -> HelpPlanDecision:
    """The county approves the plan (帮扶方案 within 5 working days) or returns it with a reason."""
    if not may_confirm(actor.role, settings):
        raise Refused("帮扶方案只能由县级管理员审核", "forbidden")
    if decision not in PLAN_DECISIONS:
        raise Refused("decision 必须是 approve（通过）或 return（退回修改）", "invalid", "decision")
    _open(session, household, settings)
    count = len(measures(session, household.id))
    if decision == "approve" and not count:
        raise Refused("帮扶方案还没有任何措施，请先记录帮扶措施", "conflict")
    reason = _note(reason)
    if decision == "return" and not reason:
        raise Refused("退回修改需要填写理由", "invalid", "reason")
    row = HelpPlanDecision(household_id=household.id, decision=decision, reason=reason,
                           measures=count, day=today, actor=actor.name, recorded_at=utcnow())
    session.add(row)
    session.flush()
    if decision == "approve":
        _emit(session, household.id, "plan_approved", today, settings)
    return row


# --- visits -----------------------------------------------------------------------------------


def visits(session: Session, household_id: int) -> list[HelpVisit]:
    """The household's visits, newest first."""
    return list(session.scalars(select(HelpVisit).where(HelpVisit.household_id == household_id)
                                .order_by(HelpVisit.day.desc(), HelpVisit.id.desc())))


def record_visit(session: Session, household: Household, *, day: dt.date | None, mode: str,
                 note: str | None, income_month: float | None, actor: Actor, settings: dict,
                 today: dt.date) -> HelpVisit:
    """A visit or a call (at least monthly until the risk is eliminated)."""
    _open(session, household, settings)
    if mode not in MODES:
        raise Refused("mode 必须是 visit（入户走访）或 phone（电话联系）", "invalid", "mode")
    day = _date(day, "date", "走访日期", today)
    if income_month is not None and not 0 <= income_month <= float(_cfg(settings)["income_month_max"]):
        raise Refused(f"当月收入应在 0 到 {_cfg(settings)['income_month_max']} 元之间", "invalid",
                      "income_month")
    row = HelpVisit(household_id=household.id, day=day, mode=mode, note=_note(note),
                    income_month=income_month, actor=actor.name, recorded_at=utcnow())
    session.add(row)
    session.flush()
    _emit(session, household.id, "visit", day, settings)
    return row


def visit_due(session: Session, household_id: int, since: dt.date | None, settings: dict
              ) -> dt.date | None:
    """The day the next visit is due: a month after the last one (or after ``since``)."""
    last = session.scalar(select(func.max(HelpVisit.day)).where(HelpVisit.household_id == household_id))
    start = last or since
    if start is None:
        return None
    return clocks.add_months(start, int(_cfg(settings)["visit_every_months"]))


# --- risk elimination -------------------------------------------------------------------------


def elimination_round(session: Session, household_id: int) -> tuple[int, list[EliminationStep]]:
    """The current round and its standing steps in order (the latest row of each step, up to
    the first one missing). A round whose review rejected is over: the next review opens a new one."""
    rows = list(session.scalars(select(EliminationStep)
                                .where(EliminationStep.household_id == household_id)
                                .order_by(EliminationStep.id)))
    round_ = max((r.round for r in rows), default=1)
    latest = {r.step: r for r in rows if r.round == round_}
    done = []
    for name in STEPS:
        if name not in latest:
            break
        done.append(latest[name])
    return round_, done


def prerequisites(session: Session, household: Household, checks: Checks) -> list[str]:
    """What the case still lacks before a review may propose elimination, in words."""
    lacking = []
    if latest_contact(session, household.id) is None:
        lacking.append("帮扶联系人")
    if plan_state(session, household.id) != "approve":
        lacking.append("县级审核通过的帮扶方案")
    if not measures(session, household.id):
        lacking.append("帮扶措施")
    elif checks.missing_kind:
        lacking.append(f"{checks.missing_kind}帮扶措施")
    if not visits(session, household.id):
        lacking.append("走访记录")
    return lacking


def record_elimination(session: Session, household: Household, data: StepInput, *,
                       actor: Actor, settings: dict, today: dt.date,
                       home: Path | None = None) -> EliminationStep:
    """Append one elimination step in order review → notice → confirm (county only); the
    confirmation marks the household 风险已消除 and appends its history. A household with
    nobody able to work is refused (seed 000 step 5, 004 §9): it stays monitored."""
    if data.step not in STEPS:
        raise Refused(f"step 必须是 {'、'.join(STEPS)} 之一", "invalid", "step")
    if data.step == "confirm" and not may_confirm(actor.role, settings):
        raise Refused("风险消除的县级确认只能由县级管理员记录", "forbidden")
    _open(session, household, settings)
    checks = missing_measure_kinds(session, [household.id], settings, today, home)[household.id]
    if not checks.workers:
        raise Refused(NO_LABOUR, "conflict")
    lacking = prerequisites(session, household, checks)
    if lacking:
        raise Refused(f"户 {household.household_no} 还缺少：{'、'.join(lacking)}，暂不能风险消除",
                      "conflict")
    round_, done = elimination_round(session, household.id)
    if done and done[0].result == "reject" and data.step == "review":
        round_, done = round_ + 1, []  # a new round after a rejecting review
    elif done and done[0].result == "reject":
        raise Refused("上次民主评议未通过，请重新民主评议", "conflict", "step")
    correction = check_step(data, done, today, settings, STEPS, STEP_LABELS)  # as identification
    note = _note(data.note)
    row = EliminationStep(household_id=household.id, round=round_, step=data.step, day=data.date,
                          end_date=data.end_date if data.step == "notice" else None,
                          result=data.result if data.step == "review" else None, note=note,
                          actor=actor.name, recorded_at=utcnow())
    session.add(row)
    session.flush()
    if data.step == "notice" and not correction:
        _tell_county(session, household, f"户 {household.household_no}（{household.township or ''}）"
                                         f"风险消除公示至 {row.end_date.isoformat()}，期满后待县级确认")
    if data.step == "confirm":
        _eliminate(session, household, settings)
        _emit(session, household.id, "eliminated", data.date, settings)
    return row


def _eliminate(session: Session, household: Household, settings: dict) -> None:
    """风险已消除 on the household, and a new household_history row (the running one closed)."""
    set_risk_status(session, household, _cfg(settings)["eliminated_status"])


def reached_elimination(session: Session, household_id: int) -> bool:
    """True when a standing county confirmation ended an elimination round."""
    _, done = elimination_round(session, household_id)
    return len(done) == len(STEPS) and done[0].result == "pass"
