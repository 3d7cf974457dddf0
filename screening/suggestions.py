"""Suggested policies for one household: the policy list's rules tested against its facts.

A household's facts come from its roster members (age, 劳动能力), the departments' latest
records about them within ``policies.records_months`` (schooling, illness, insurance costs,
disability, work, housing, water, losses, 低保/特困) and its open warnings' risk types (see
``screening.policies.FACTS``). A policy's rule holds for the household when it holds for one
member's facts merged with the household's; the reason is the policy's template filled with
that member's facts, in Chinese.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.policies import RISK_PREFIX, policy_risks, policy_rule, rule_bits, stored_policies
from screening.records import LINKED
from screening.rules import age_on, format_reason
from screening.rules.conditions import Trace, check
from screening.rules.operators import months_before, number, truth
from shouwang.core.clock import today as county_today
from warehouse.help_tables import HelpMeasure
from warehouse.models import FeedBatch, FeedRecord, Household, Link, Person, RiskWarning

ENDED = ("closed", "withdrawn")  # a warning in these states says nothing about risk now
MONITORED = ("monitored", "adjusting")
_ON = ("新增", "续保")  # 民政 变动类型 that leave the assistance in force
_SUBSIDY = {"低保": "dibao", "特困供养": "tekun", "特困": "tekun"}
SHOWN_REASONS = 2  # member clauses in a reason; the rest are counted


def policy_settings(settings: dict) -> dict:
    """The ``policies`` section of the settings."""
    return settings.get("policies", {}) or {}


def able_to_work(labour_capacity: str | None, unable: Iterable[str]) -> bool:
    """True unless the roster's 劳动能力 says the member cannot work: the same test as the
    case's checks (screening.help_case.workers), so a suggestion and a check never disagree."""
    return (labour_capacity or "").strip() not in set(unable)


def _records(session: Session, household_id: int, since: str) -> list[tuple]:
    """(department, person_id, fields) of the household's linked loaded records, oldest first."""
    return list(session.execute(
        select(FeedRecord.department, Link.person_id, FeedRecord.fields)
        .join(Link, Link.record_id == FeedRecord.id)
        .join(FeedBatch, FeedBatch.id == FeedRecord.batch_id)
        .where(Link.household_id == household_id, Link.status.in_(LINKED),
               FeedBatch.status == "loaded", FeedRecord.period >= since)
        .order_by(FeedRecord.period, FeedRecord.id)).tuples())


def _words(settings: dict) -> re.Pattern:
    words = policy_settings(settings).get("vocational_schools") or ["职业", "技工", "中专", "职高"]
    return re.compile("|".join(re.escape(str(w)) for w in words))


def _member_facts(person: Person, as_of: dt.date, unable: tuple[str, ...]) -> dict:
    return {"name": person.name, "age": age_on(person.birth_date, as_of), "sex": person.sex,
            "relation": person.relation, "labour_capacity": person.labour_capacity,
            "able_to_work": able_to_work(person.labour_capacity, unable),
            "in_school": False, "vocational": False, "seriously_ill": False, "uninsured": False,
            "disabled": False, "severe_disability": False, "unemployed": False}


def _apply_member_record(facts: dict, department: str, fields: dict, vocational: re.Pattern) -> None:
    """Fold one department record about a member into its facts (later records win)."""
    f = fields or {}
    if department == "education":
        facts.update(school=f.get("school"), enrollment_status=f.get("enrollment_status"),
                     schooling_cost=number(f.get("schooling_cost")))
        facts["in_school"] = f.get("enrollment_status") == "在读"
        facts["vocational"] = facts["in_school"] and bool(vocational.search(str(f.get("school") or "")))
    elif department == "health":
        facts["disease_category"] = f.get("disease_category")
        facts["seriously_ill"] = facts["seriously_ill"] or f.get("disease_category") in ("大病", "重大慢性病")
    elif department == "medical_insurance":
        facts.update(insurance_status=f.get("insurance_status"),
                     total_cost=number(f.get("total_cost")),
                     out_of_pocket=number(f.get("out_of_pocket")))
        facts["uninsured"] = f.get("insurance_status") in ("未参保", "中断")
    elif department == "disability":
        facts["disabled"] = f.get("change_type") != "注销"
        facts["disability_grade"] = f.get("disability_grade") if facts["disabled"] else None
        facts["severe_disability"] = facts["disabled"] and f.get("disability_grade") in ("一级", "二级")
        facts["two_subsidies"] = truth(f.get("two_subsidies"))
    elif department == "hr":
        facts.update(employment_status=f.get("employment_status"),
                     monthly_income=number(f.get("monthly_income")))
        facts["unemployed"] = f.get("employment_status") in ("失业", "返乡未就业")


def _apply_household_record(facts: dict, department: str, fields: dict) -> None:
    """Fold one record about the household (dwelling, water, losses, assistance) into its facts."""
    f = fields or {}
    if department == "housing":
        facts["housing_grade"] = f.get("grade")
        facts["unsafe_housing"] = f.get("grade") in ("C", "D") and truth(f.get("occupied")) is not False
    elif department == "water":
        checks = [truth(f.get(k)) for k in ("quantity_ok", "quality_ok", "access_ok", "reliability_ok")]
        facts["water_unsafe"] = any(c is False for c in checks)
    elif department == "emergency":
        facts["disaster_loss"] = (facts.get("disaster_loss") or 0) + (number(f.get("direct_loss")) or 0)
    elif department == "agriculture":
        facts["farm_loss"] = (facts.get("farm_loss") or 0) + (number(f.get("loss")) or 0)
        facts["farm_project"] = f.get("project")
    elif department == "civil_affairs":
        key = _SUBSIDY.get(str(f.get("assistance_type") or ""))
        if key:
            facts[key] = f.get("change_type") in _ON


def household_facts(session: Session, household_id: int, settings: dict,
                    as_of: dt.date | None = None, home: Path | None = None) -> tuple[dict, list[dict]]:
    """The household's facts and each active member's (not merged), as of the county day."""
    as_of = as_of or county_today(settings)
    period = as_of.strftime("%Y-%m")
    labels, unable = rule_bits(settings, period, home)
    h = session.get(Household, household_id)
    if h is None:
        return {}, []
    people = list(session.scalars(select(Person).where(
        Person.household_id == household_id, Person.active.is_(True)).order_by(Person.id)))
    members = {p.id: _member_facts(p, as_of, unable) for p in people}
    workers = sum(1 for m in members.values() if m["able_to_work"])
    warnings = list(session.scalars(select(RiskWarning).where(
        RiskWarning.household_id == household_id, RiskWarning.status.not_in(ENDED))))
    house = {"household_no": h.household_no, "household_type": h.household_type,
             "risk_status": h.risk_status, "income_per_capita": h.income_per_capita,
             "size": h.size if h.size is not None else len(people), "workers": workers,
             "nobody_able_to_work": bool(people) and not workers,
             "monitored": h.risk_status == "风险未消除" or any(w.status in MONITORED for w in warnings),
             "unsafe_housing": False, "water_unsafe": False, "dibao": False, "tekun": False,
             "disaster_loss": 0, "farm_loss": 0}
    for code in labels:
        house[RISK_PREFIX + code] = any(w.risk_type == code for w in warnings)
    house["risk_types"] = "、".join(labels.get(c, c)
                                   for c in sorted({w.risk_type for w in warnings}))
    months = int(policy_settings(settings).get("records_months", 12))
    since = months_before(as_of.replace(day=1), months - 1).strftime("%Y-%m")
    vocational = _words(settings)
    for department, person_id, fields in _records(session, household_id, since):
        if person_id in members:
            _apply_member_record(members[person_id], department, fields, vocational)
        _apply_household_record(house, department, fields)
    return house, list(members.values())


def _joined(reasons: list[str]) -> str:
    """One clause per member, the first ``SHOWN_REASONS`` of them: a phone shows the case."""
    more = len(reasons) - SHOWN_REASONS
    return "；".join(reasons[:SHOWN_REASONS]) + (f"；另有 {more} 人符合" if more > 0 else "")


def suggest_policies(session: Session, household_id: int, settings: dict,
                     home: Path | None = None, as_of: dt.date | None = None) -> list[dict]:
    """The policies whose rule the household meets, in the list's order; each a dict with
    ``policy``, ``kind``, ``help_type``, ``department``, ``risk_types``, ``reason`` (Chinese,
    from the members' and household's facts; one clause per member it applies to) and
    ``recorded`` (already one of the household's measures)."""
    house, members = household_facts(session, household_id, settings, as_of, home)
    if not house:
        return []
    recorded = set(session.scalars(select(HelpMeasure.policy)
                                   .where(HelpMeasure.household_id == household_id)))
    out = []
    for policy in stored_policies(session, settings, home):
        when, template = policy_rule(policy)
        reasons: list[str] = []
        for member in members or [{}]:
            facts = {**member, **house}
            trace = Trace()
            if check(when, facts, trace):
                text = format_reason(template, facts, trace) if template else "、".join(trace.labels)
                if text and text not in reasons:
                    reasons.append(text)
        if reasons:
            out.append({"policy": policy.name, "kind": policy.kind, "help_type": policy.help_type,
                        "department": policy.department, "risk_types": policy_risks(policy),
                        "reason": _joined(reasons), "recorded": policy.name in recorded})
    return out
