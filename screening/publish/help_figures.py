"""The county's view of the help loop (issue 18): coverage by township and the backlog over time.

Per township, on the county day ``today``: monitored households whose case is open (a warning
identified as monitored or adjusting, or the roster's 风险未消除, and not 风险已消除), how many
have a contact cadre, a plan the county approved and at least one measure; visits overdue (no
visit within ``help.visit_every_months`` of the last one or of the case's start); households
missing the 开发式 or 兜底 measure the seeds ask for (screening.help_case); and risks eliminated
this month. The backlog is the open cases with any of those gaps, counted again at each of the
last ``assistance.backlog_months`` month ends from the append-only case rows, so the chart shows
whether the county is catching up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screening.clocks import add_months
from screening.help_case import CASE_STATUSES, DEVELOPMENT, PROTECTION, missing_measure_kinds
from screening.publish.xlsx_format import write_table
from shouwang.core.clock import local_date
from shouwang.core.outputs import add_sheet
from warehouse.help_tables import HelpContact, HelpMeasure, HelpPlanDecision, HelpVisit
from warehouse.models import Household, HouseholdHistory, RiskWarning, WarningHistory

HEADERS = ["乡镇", "监测户", "已明确联系人", "帮扶方案已审核", "已落实措施", "走访逾期",
           "缺开发式措施", "缺兜底措施", "本月风险消除"]
KEYS = ["monitored", "with_cadre", "with_plan", "with_measures", "overdue_visits",
        "missing_development", "missing_protection", "eliminated_this_month"]


@dataclass
class Case:
    """One household's case as the append-only rows tell it (county days)."""

    township: str
    start: dt.date
    end: dt.date | None = None  # the day it became 风险已消除
    contacts: list[dt.date] = field(default_factory=list)
    measures: list[tuple[dt.date, str]] = field(default_factory=list)  # (recorded, kind)
    plans: list[tuple[dt.date, int, str]] = field(default_factory=list)  # (day, id, decision)
    visits: list[dt.date] = field(default_factory=list)

    def open_on(self, day: dt.date) -> bool:
        """The case is open on ``day``: started, not yet eliminated."""
        return self.start <= day and (self.end is None or self.end > day)

    def gaps(self, day: dt.date, need: str, every_months: int) -> dict[str, bool]:
        """What the case lacked on ``day`` (``need``: the kind its labour calls for)."""
        plans = sorted(p for p in self.plans if p[0] <= day)
        kinds = {k for d, k in self.measures if d <= day}
        last_visit = max((v for v in self.visits if v <= day), default=None)
        return {"no_cadre": not any(c <= day for c in self.contacts),
                "no_plan": not plans or plans[-1][2] != "approve",
                "no_measures": not kinds,
                "overdue_visit": add_months(last_visit or self.start, every_months) < day,
                "missing_kind": need not in kinds}


def _help(settings: dict) -> dict:
    return settings.get("help") or {}


def load_cases(session: Session, settings: dict) -> dict[int, Case]:
    """Every household that has had a case, with its dated rows (county days)."""
    cfg = _help(settings)
    at_risk = tuple(cfg.get("at_risk_statuses") or ("风险未消除",))
    eliminated = cfg.get("eliminated_status", "风险已消除")
    starts: dict[int, dt.date] = {}
    for hid, at in session.execute(
            select(RiskWarning.household_id, func.min(WarningHistory.at))
            .join(WarningHistory, WarningHistory.warning_id == RiskWarning.id)
            .where(RiskWarning.household_id.is_not(None),
                   WarningHistory.to_status.in_(CASE_STATUSES))
            .group_by(RiskWarning.household_id)):
        starts[hid] = local_date(at, settings)
    # A roster 风险未消除 with no identified warning: open since the roster first said so.
    for hid, at in session.execute(
            select(HouseholdHistory.household_id, func.min(HouseholdHistory.valid_from))
            .where(HouseholdHistory.risk_status.in_(at_risk))
            .group_by(HouseholdHistory.household_id)):
        day = local_date(at, settings)
        starts[hid] = min(starts.get(hid, day), day)
    ended = {hid: local_date(at, settings) for hid, at in session.execute(
        select(HouseholdHistory.household_id, func.max(HouseholdHistory.valid_from))
        .where(HouseholdHistory.risk_status == eliminated)
        .group_by(HouseholdHistory.household_id))}
    cases: dict[int, Case] = {}
    for h in session.execute(select(Household.id, Household.township, Household.risk_status)
                             .where(Household.active.is_(True))):
        start = starts.get(h.id)
        if start is None and h.risk_status in at_risk:
            start = dt.date.min  # at risk on the roster before its history was kept
        if start is None:
            continue
        end = ended.get(h.id, dt.date.min) if h.risk_status == eliminated else None
        cases[h.id] = Case(township=h.township or "（未填乡镇）", start=start, end=end)
    for hid, day in session.execute(select(HelpContact.household_id, HelpContact.day)):
        if hid in cases:
            cases[hid].contacts.append(day)
    for hid, at, kind in session.execute(
            select(HelpMeasure.household_id, HelpMeasure.recorded_at, HelpMeasure.kind)):
        if hid in cases:
            cases[hid].measures.append((local_date(at, settings), kind))
    for hid, day, pid, decision in session.execute(
            select(HelpPlanDecision.household_id, HelpPlanDecision.day, HelpPlanDecision.id,
                   HelpPlanDecision.decision)):
        if hid in cases:
            cases[hid].plans.append((day, pid, decision))
    for hid, day in session.execute(select(HelpVisit.household_id, HelpVisit.day)):
        if hid in cases:
            cases[hid].visits.append(day)
    return cases


def _month_ends(today: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the ``months`` months before ``today``'s, oldest first."""
    first = today.replace(day=1)
    return [add_months(first, -k) - dt.timedelta(days=1) for k in range(months - 1, -1, -1)]


def help_figures(session: Session, settings: dict, today: dt.date,
                 home: Path | None = None) -> dict:
    """Coverage by township on ``today`` and the county's backlog at past month ends."""
    every = int(_help(settings).get("visit_every_months", 1))
    cases = load_cases(session, settings)
    needs = {hid: (DEVELOPMENT if c.workers else PROTECTION)
             for hid, c in missing_measure_kinds(session, list(cases), settings, today,
                                                 home).items()}
    month_start = today.replace(day=1)
    rows: dict[str, dict] = {}
    for hid, case in cases.items():
        row = rows.setdefault(case.township, dict.fromkeys(KEYS, 0))
        if case.end is not None and month_start <= case.end <= today:
            row["eliminated_this_month"] += 1
        if not case.open_on(today):
            continue
        gaps = case.gaps(today, needs[hid], every)
        row["monitored"] += 1
        row["with_cadre"] += not gaps["no_cadre"]
        row["with_plan"] += not gaps["no_plan"]
        row["with_measures"] += not gaps["no_measures"]
        row["overdue_visits"] += gaps["overdue_visit"]
        row["missing_development"] += gaps["missing_kind"] and needs[hid] == DEVELOPMENT
        row["missing_protection"] += gaps["missing_kind"] and needs[hid] == PROTECTION
    table = [{"township": t, **v} for t, v in sorted(rows.items()) if any(v.values())]
    total = {"township": "合计", **{k: sum(r[k] for r in table) for k in KEYS}}
    days = _month_ends(today, int((settings.get("assistance") or {}).get("backlog_months", 6)))
    days.append(today)
    backlog = []
    for day in days:
        count = sum(1 for hid, c in cases.items()
                    if c.open_on(day) and any(c.gaps(day, needs[hid], every).values()))
        backlog.append({"day": day.isoformat(), "label": "今天" if day == today else f"{day.month}月末",
                        "households": count})
    peak = max((b["households"] for b in backlog), default=0)
    for b in backlog:  # bar widths for the CSS chart, in percent of the highest
        b["percent"] = round(100 * b["households"] / peak) if peak else 0
    return {"today": today.isoformat(), "headers": HEADERS, "rows": table, "total": total,
            "backlog": backlog}


def table_rows(figures: dict) -> list[list]:
    """The township table as rows of cells, the total last."""
    return [[r["township"], *(r[k] for k in KEYS)] for r in (*figures["rows"], figures["total"])]


def write_help_sheet(wb: Workbook, figures: dict, title: str) -> None:
    """The township table as a sheet 帮扶落实 of the digest workbook."""
    write_table(add_sheet(wb, "帮扶落实"), HEADERS, table_rows(figures),
                [14, 8, 12, 14, 12, 10, 12, 12, 12], title)
