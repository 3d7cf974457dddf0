"""Risks read from the roster itself, and the household facts the rules need from it.

Two jobs, both before the rules run (screening/screen.py):

- ``add_household_facts``: a feed record about a roster member learns what its household has
  left: ``able_others``, the other active members able to work (劳动能力 not in
  ``$labour.unable``), for rules such as "a working-age member died and nobody else can work"
  (缺劳动力). Only departments whose rules read such a fact pay for the lookup.
- ``roster_records``: each active roster household is one ``registry`` record of the period
  with its roster fields and derived ones — ``members``, ``able_members``, ``labour_detail``,
  ``expenses`` (this period's large costs of its members named by ``$roster.deductions``, e.g.
  医保 个人自付 and 教育支出: seed 001 二(一) 扣除合规大额支出), ``expense_detail``,
  ``expense_risk`` (the risk type of the largest) and ``income_after_expenses`` (人均纯收入
  less the expenses per member). The rules YAML's
  ``department: registry`` rules judge it. A household some rule fires on keeps that record
  in ``feed_records`` (on the period's ``derived`` registry batch, never a feed: matching,
  corrections and the roster loader do not see it; source "<roster file> 户编号<no>"), so its
  warning has evidence like every other; nothing sensitive is copied (the head's masked ID only).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.places import PlaceNames
from screening.records import ROSTER, ScreenedRecord, household_subject
from screening.rules import RuleSet
from screening.rules.model import Rule
from screening.rules.reasons import format_reason
from warehouse.db import in_chunks
from warehouse.models import FeedBatch, FeedRecord, Household, Person, utcnow

HOUSEHOLD_FACTS = frozenset({"able_others"})  # fields add_household_facts gives feed records
HEAD = "户主"
ROSTER_SOURCE = "花名册"  # the source's file name when no roster file was ever loaded (tests, SQL)
DERIVED = "derived"  # status of the period's batch of registry records: not a feed that arrived


def condition_fields(cond: dict) -> set[str]:
    """Every field a condition tree reads."""
    if "all" in cond or "any" in cond:
        return set().union(*(condition_fields(c) for c in cond.get("all", cond.get("any")) or []))
    return {cond["field"]}


def rule_fields(rule: Rule) -> set[str]:
    """Every field a single-record rule's tiers read."""
    return set().union(*(condition_fields(t.when) for t in rule.tiers)) if rule.tiers else set()


def _members(session: Session, household_ids: Iterable[int] | None) -> dict[int, list[tuple[int, str | None]]]:
    """(person id, 劳动能力) of each household's active members; every household when None."""
    out: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    query = select(Person.household_id, Person.id, Person.labour_capacity).where(Person.active.is_(True))
    parts = [None] if household_ids is None else in_chunks(sorted(set(household_ids)))
    conn = session.connection()  # plain tuples: the ORM's row wrapping doubled this at county scale
    for part in parts:
        q = query if part is None else query.where(Person.household_id.in_(part))
        for hid, pid, capacity in conn.execute(q):
            out[hid].append((pid, capacity))
    return out


def add_household_facts(session: Session, records: list[ScreenedRecord], rules: RuleSet) -> int:
    """Give linked records of departments whose rules read ``able_others`` that fact; count them."""
    departments = {r.department for r in rules.rules
                   if not r.combined and rule_fields(r) & HOUSEHOLD_FACTS}
    needing = [sr for sr in records if sr.department in departments
               and sr.subject is not None and sr.subject.household_id is not None]
    if not needing:
        return 0
    unable = set(rules.parameters["labour"]["unable"])
    members = _members(session, (sr.subject.household_id for sr in needing))
    for sr in needing:
        sr.fields["able_others"] = sum(
            1 for pid, capacity in members.get(sr.subject.household_id, [])
            if pid != sr.person_id and capacity not in unable)
    return len(needing)


def household_expenses(records: list[ScreenedRecord], deductions: list[dict]) -> dict[int, dict[str, float]]:
    """Per roster household: label → this period's cost of its members in the deducted fields.

    A person's year-to-date cost counts once (the largest of their records of the period).
    """
    wanted = {d["department"]: d for d in deductions}
    per_person: dict[tuple[int, str, object], float] = {}
    for sr in records:
        spec = wanted.get(sr.department)
        if spec is None or sr.subject is None or sr.subject.household_id is None:
            continue
        amount = _amount(sr.fields.get(spec["field"]))
        if amount is None or amount <= 0:
            continue
        key = (sr.subject.household_id, spec["label"], sr.person_id or ("record", sr.record_id))
        per_person[key] = max(per_person.get(key, 0.0), amount)
    out: dict[int, dict[str, float]] = defaultdict(dict)
    for (hid, label, _), amount in per_person.items():
        out[hid][label] = out[hid].get(label, 0.0) + amount
    order = [d["label"] for d in deductions]  # reasons list the costs in the configured order
    return {hid: {label: costs[label] for label in order if label in costs} for hid, costs in out.items()}


def _amount(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def large_expenses(costs: dict[str, float], deductions: list[dict]) -> dict[str, float]:
    """The costs a household may deduct: each kind whose total reaches its `min` (大额支出)."""
    floor = {d["label"]: float(d.get("min", 0)) for d in deductions}
    return {label: amount for label, amount in costs.items() if amount >= floor.get(label, 0.0)}


def household_fields(row, members: list[tuple[int, str | None]], costs: dict[str, float],
                     params: dict, unable: set[str]) -> dict:
    """The registry record of one household: roster fields plus the derived ones (see module)."""
    deductions = params.get("deductions") or []
    expenses = large_expenses(costs, deductions)
    size = row.size or len(members) or 1
    total = sum(expenses.values())
    risk_of = {d["label"]: d.get("risk_type") for d in deductions}
    income = row.income_per_capita
    after = None if income is None else round(income - total / size, 2)
    able = sum(1 for _, c in members if c not in unable)
    # words for "nobody can work" only where that is so: a county has a hundred thousand households
    detail = "" if able else "、".join(
        format_reason(params["labour_item"], {"capacity": c, "count": n})
        for c, n in sorted(Counter(c for _, c in members).items()))
    fields = {
        "household_no": row.household_no, "household_type": row.household_type,
        "risk_status": row.risk_status, "income_per_capita": income, "household_size": size,
        "members": len(members), "able_members": able, "labour_detail": detail,
        "expenses": round(total, 2), "income_after_expenses": after, "expense_detail": "",
        "expense_risk": risk_of.get(max(expenses, key=expenses.get)) if expenses else None, "age": None,
    }
    if total > 0 and after is not None:
        items = "、".join(format_reason(params["expense_item"], {"label": label, "amount": amount})
                          for label, amount in expenses.items())
        fields["expense_detail"] = format_reason(params["expense_words"],
                                                 {**fields, "items": items})
    return fields


def roster_records(session: Session, period: str, rules: RuleSet,
                   records: list[ScreenedRecord]) -> list[ScreenedRecord]:
    """The registry records of the households a roster rule fires on, stored and ready to screen."""
    roster_rules = rules.record_rules(ROSTER)
    if not roster_rules:
        return []
    params = rules.parameters["roster"]
    unable = set(rules.parameters["labour"]["unable"])
    expenses = household_expenses(records, params.get("deductions") or [])
    members = _members(session, None)
    fired = []
    for row in session.execute(
            select(Household.id, Household.household_no, Household.township, Household.township_id,
                   Household.village, Household.village_id, Household.risk_status,
                   Household.household_type, Household.income_per_capita, Household.size)
            .where(Household.active.is_(True)).order_by(Household.id)):
        fields = household_fields(row, members.get(row.id, []), expenses.get(row.id, {}), params, unable)
        if any(rule.evaluate(fields) is not None for rule in roster_rules):
            fired.append((row, fields))
    if not fired:
        return []
    return _stored(session, period, fired)


def _period_batch(session: Session, period: str) -> FeedBatch:
    """The period's batch of registry records, named after the roster file loaded last."""
    batch = session.scalars(select(FeedBatch).where(
        FeedBatch.department == ROSTER, FeedBatch.period == period, FeedBatch.status == DERIVED)
        .order_by(FeedBatch.id).limit(1)).first()
    roster = session.scalar(select(FeedBatch.source_file).where(
        FeedBatch.department == ROSTER, FeedBatch.status == "loaded").order_by(FeedBatch.id.desc()).limit(1))
    if batch is None:
        now = utcnow()
        batch = FeedBatch(department=ROSTER, period=period, source_file=roster or ROSTER_SOURCE,
                          checksum=hashlib.sha256(f"roster risks {period}".encode()).hexdigest(),
                          status=DERIVED, arrived_at=now, loaded_at=now)
        session.add(batch)
        session.flush()
        # read back as the database gives it, as the feed records' arrival times are compared with it
        session.expire(batch, ["arrived_at"])
    elif roster and batch.source_file != roster:
        batch.source_file = roster  # a newer roster: new records name it
    return batch


def _hash(fields: dict) -> str:
    return hashlib.md5(json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _stored(session: Session, period: str, fired: list[tuple]) -> list[ScreenedRecord]:
    """One registry record per household and period on the roster batch: kept, updated or added."""
    batch = _period_batch(session, period)
    existing = {rec.fields.get("household_no"): rec for rec in session.scalars(
        select(FeedRecord).where(FeedRecord.batch_id == batch.id))}
    rows = iter(range(max((r.source_row for r in existing.values()), default=0) + 1, 1 << 30))
    heads = _heads(session, [row.id for row, _ in fired])
    places = PlaceNames(session)
    stored = []
    for row, fields in fired:
        name, masked = heads.get(row.id, (None, None))
        rec = existing.get(row.household_no)
        digest = _hash(fields)
        if rec is None:
            rec = FeedRecord(batch_id=batch.id, department=ROSTER, period=period,
                             source_file=f"{batch.source_file} 户编号{row.household_no}"[:255],
                             source_row=next(rows), role="head", raw={}, flags=[])
            session.add(rec)
        if rec.record_hash != digest:
            rec.fields, rec.record_hash = fields, digest
        rec.name, rec.id_masked = name, masked
        rec.township, rec.township_id = row.township, row.township_id
        rec.village, rec.village_id = row.village, row.village_id
        stored.append((rec, row, fields))
    session.flush()
    return [ScreenedRecord(rec.id, ROSTER, rec.source_file, rec.source_row, batch.arrived_at, "auto",
                           {**fields, "name": rec.name},
                           household_subject(places, row.id, row.township, row.township_id,
                                             row.village, row.village_id, row.risk_status))
            for rec, row, fields in stored]


def _heads(session: Session, household_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Name and masked ID of each household's head (its first member when none is 户主)."""
    out: dict[int, tuple[str, str | None]] = {}
    for part in in_chunks(household_ids):
        for hid, name, masked, relation in session.execute(
                select(Person.household_id, Person.name, Person.id_masked, Person.relation)
                .where(Person.household_id.in_(part), Person.active.is_(True)).order_by(Person.id)):
            if hid not in out or (relation == HEAD and out[hid][2] != HEAD):
                out[hid] = (name, masked, relation)
    return {hid: (name, masked) for hid, (name, masked, _) in out.items()}
