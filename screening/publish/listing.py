"""The warnings of a period as rows for people: names, masked IDs, labels, sources, deadlines."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from screening import clocks
from screening.alerts import active_warnings
from screening.deadlines import as_utc
from screening.grid_lookup import GRID_HEADERS, GridInfo, grid_cells, grid_columns
from screening.rules import RuleSet
from warehouse.db import in_chunks
from warehouse.masking import mask_id
from warehouse.models import FeedRecord, Household, Person, RiskWarning, WarningEvidence

LEAD_HOUSEHOLD = "未纳入（应纳未纳线索）"


@dataclass
class ListedWarning:
    """A warning with what a township cadre needs to find the household and act."""

    warning: RiskWarning
    household_no: str
    name: str
    id_masked: str
    persons: str  # the people the department records name, e.g. the pupil who dropped out
    grid: GridInfo | None = None  # 组, grid and grid worker: who knows the family (seed 003)

    def cells(self, rules: RuleSet) -> list:
        """The row of a township verification list."""
        w = self.warning
        return [
            w.village or "", self.household_no, self.name, self.id_masked, self.persons,
            rules.risk_types.get(w.risk_type, w.risk_type), level_label(rules, w.level), w.reason,
            "\n".join(w.sources or []), w.due_date.isoformat() if w.due_date else "",
            rules.actions.get(w.action, w.action), w.code, *grid_cells(self.grid),
        ]


HEADERS = ["村", "户编号", "户主/姓名", "身份证号", "涉及人员", "风险类型", "等级", "原因", "来源",
           "核实截止日期", "核查动作", "预警编号", *GRID_HEADERS]
WIDTHS = [12, 20, 10, 21, 14, 14, 12, 40, 28, 13, 16, 17, 8, 14, 10, 14]


def level_label(rules: RuleSet, level: str) -> str:
    """一级（红色预警） for red, and so on."""
    info = rules.levels.get(level, {})
    return f"{info.get('label', level)}（{info.get('name', level)}）"



def mark_published(session: Session, listed: list[ListedWarning], now: dt.datetime,
                   received_on: dt.date, settings: dict) -> int:
    """Stamp published_at on lines reaching a township for the first time or with news since
    they last did, start the first-timers' step clocks from ``received_on``; how many stamped."""
    fresh, first = 0, []
    for item in listed:
        w = item.warning
        if w.published_at is None:
            first.append(w.id)
        # Published again only when new data arrived since the last list (an ongoing event).
        if w.published_at is None or (w.batch_arrived_at is not None
                                      and as_utc(w.published_at) < as_utc(w.batch_arrived_at)):
            w.published_at = now
            fresh += 1
    clocks.on_events(session, first, "published", received_on, settings)
    return fresh

def listed_warnings(session: Session, period: str, rules: RuleSet) -> list[ListedWarning]:
    """The period's open warnings, most serious first, then by township, village and household."""
    warnings = [w for w in active_warnings(session, period) if w.status != "closed"]
    hh_ids = {w.household_id for w in warnings if w.household_id}
    household_nos: dict[int, str] = {}
    heads: dict[int, Row] = {}
    # Plain columns in IN chunks: no ORM persons (their ciphers are never shown), and within
    # PostgreSQL's parameter limit however many households are listed.
    for part in in_chunks(hh_ids):
        household_nos.update(session.execute(
            select(Household.id, Household.household_no).where(Household.id.in_(part))).all())
        for p in session.execute(
                select(Person.id, Person.household_id, Person.relation, Person.name, Person.id_masked)
                .where(Person.household_id.in_(part)).order_by(Person.id)):
            if p.household_id not in heads or (p.relation == "户主" and heads[p.household_id].relation != "户主"):
                heads[p.household_id] = p
    named = _named_persons(session, [w.id for w in warnings], period)
    grids = grid_columns(session, hh_ids)
    out = []
    for w in warnings:
        if w.is_lead or w.household_id is None:
            out.append(ListedWarning(w, LEAD_HOUSEHOLD, w.lead_name or "", mask_id(w.lead_id_masked),
                                     named.get(w.id, "")))
            continue
        head = heads.get(w.household_id)
        out.append(ListedWarning(w, household_nos[w.household_id],
                                 head.name if head else "", mask_id(head.id_masked) if head else "",
                                 named.get(w.id, ""), grids.get(w.household_id)))
    out.sort(key=lambda x: (-rules.rank(x.warning.level), x.warning.township or "",
                            x.warning.village or "", x.household_no, x.warning.code))
    return out


def _named_persons(session: Session, warning_ids: list[int], period: str) -> dict[int, str]:
    if not warning_ids:
        return {}
    rows = [row for part in in_chunks(warning_ids) for row in session.execute(
        select(WarningEvidence.warning_id, FeedRecord.name)
        .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
        .where(WarningEvidence.warning_id.in_(part), WarningEvidence.period == period)
        .order_by(WarningEvidence.id)
    )]
    names: dict[int, list[str]] = {}
    for wid, name in rows:
        if name and name not in names.setdefault(wid, []):
            names[wid].append(name)
    return {wid: "、".join(v) for wid, v in names.items()}
