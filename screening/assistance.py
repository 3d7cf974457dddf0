"""The assistance list (帮扶清单, seed 002 annex 2): one row per household, one sheet per village.

It lists every household of the configured 户类型 (脱贫户 and the monitored types, settings
``assistance.household_types``) and every monitored household of the year (风险状态 filled in,
or a warning of it identified as monitored that year), with annex 2's columns: 户主姓名,
家庭人口, 帮扶户类型, 纳入时间, 返贫/致贫风险, 户内享受帮扶措施 — after the roster's 户编号, and
followed by the seeds' check on an open case (a 开发式 or 兜底 measure missing, screening.help_case). Written
only through shouwang.core.outputs: A4 landscape, fit to width, no formula, no ID.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from connectors.regions import region_suffixes, short_name
from screening.help_case import case_start, is_open_case, measures_of, missing_measure_kinds
from screening.publish.xlsx_format import write_table
from screening.rules.loader import load_rules
from shouwang.core.errors import UserError
from shouwang.core.outputs import add_sheet, save_workbook, write_csv_file
from warehouse.db import in_chunks
from warehouse.models import Household, Person, RiskWarning, WarningHistory

COLUMNS = ("序号", "户编号", "户主姓名", "家庭人口", "帮扶户类型", "纳入时间", "返贫/致贫风险",
           "户内享受帮扶措施", "核查提示")
WIDTHS = (6, 20, 10, 8, 14, 12, 22, 44, 30)
HEAD = "户主"
ENDED = ("closed", "withdrawn")
IDENTIFIED = ("monitored", "adjusting")


@dataclass(frozen=True)
class AssistanceRow:
    """One household's line on the list (no ID, no phone: names and 户编号 only)."""

    village: str
    household_no: str
    head: str
    size: int
    household_type: str
    included_on: str  # YYYY-MM-DD, or "" when the roster does not say
    risks: str
    measures: str
    check: str

    def cells(self, number: int) -> list:
        """The row's cells under COLUMNS, numbered within its sheet."""
        return [number, self.household_no, self.head, self.size, self.household_type,
                self.included_on, self.risks, self.measures, self.check]


def _cfg(settings: dict) -> dict:
    return settings.get("assistance", {}) or {}


def same_place(a: str | None, b: str | None, suffixes: tuple[str, ...]) -> bool:
    """True when two spellings name one place (龙河 / 龙河镇)."""
    return bool(a) and bool(b) and short_name(a, suffixes) == short_name(b, suffixes)


def _households(session: Session, settings: dict, township: str, year: int,
                village: str | None) -> list[Household]:
    """The township's listed households: the configured 户类型, a 风险状态, or identified this year."""
    suffixes = region_suffixes(settings)
    start = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc) - dt.timedelta(days=1)
    identified = (select(RiskWarning.household_id)
                  .join(WarningHistory, WarningHistory.warning_id == RiskWarning.id)
                  .where(WarningHistory.to_status.in_(IDENTIFIED), WarningHistory.at >= start,
                         RiskWarning.household_id.is_not(None)))
    query = select(Household).where(
        Household.active.is_(True),
        or_(Household.household_type.in_(_cfg(settings).get("household_types") or ()),
            and_(Household.risk_status.is_not(None), Household.risk_status != ""),
            Household.id.in_(identified)))
    found = [h for h in session.scalars(query.order_by(Household.village, Household.household_no))
             if same_place(h.township, township, suffixes["township"])
             and (village is None or same_place(h.village, village, suffixes["village"]))]
    return found


def assistance_rows(session: Session, settings: dict, township: str, year: int,
                    village: str | None = None, home: Path | None = None,
                    today: dt.date | None = None) -> list[AssistanceRow]:
    """The assistance list of ``township`` (and ``village``) for ``year``, by village then 户编号."""
    if not township.strip():
        raise UserError("--township is empty: name the township (乡镇), e.g. 龙河镇")
    households = _households(session, settings, township, year, village)
    if not households:
        where = f"{township}{village or ''}"
        raise UserError(f"{where} 没有 {year} 年的脱贫户或监测户：请检查乡镇、村的名称，"
                        "或先导入花名册（shouwang registry load）")
    today = today or dt.date(year, 12, 31)
    ids = [h.id for h in households]
    labels = load_rules(settings, f"{year:04d}-{min(today.month, 12):02d}", home).risk_types
    heads, counts, measures, risks = {}, defaultdict(int), defaultdict(list), defaultdict(set)
    for part in in_chunks(ids):
        for hid, name, relation in session.execute(
                select(Person.household_id, Person.name, Person.relation)
                .where(Person.household_id.in_(part), Person.active.is_(True))
                .order_by(Person.household_id, Person.id)):
            counts[hid] += 1
            if relation == HEAD or hid not in heads:  # the head, else the first member
                heads[hid] = name
        for hid, risk in session.execute(
                select(RiskWarning.household_id, RiskWarning.risk_type)
                .where(RiskWarning.household_id.in_(part), RiskWarning.status.not_in(ENDED))):
            risks[hid].add(labels.get(risk, risk))
    for hid, rows in measures_of(session, ids).items():
        measures[hid] = [f"{m.policy}（{m.start_date.isoformat()}起）"
                         for m in sorted(rows, key=lambda m: (m.start_date, m.id))]
    checks = missing_measure_kinds(session, ids, settings, today, home)
    newcomer = _cfg(settings).get("new_monitored_label", "新识别监测对象")
    types = set(_cfg(settings).get("household_types") or ())
    out = []
    for h in households:
        started = case_start(session, h.id, settings)
        risk = "、".join(sorted(risks[h.id]))
        if h.risk_status:
            risk = f"{risk}（{h.risk_status}）" if risk else h.risk_status
        check = checks[h.id].message if is_open_case(session, h, settings) else None
        out.append(AssistanceRow(
            village=h.village or "（未填村）", household_no=h.household_no,
            head=heads.get(h.id, ""), size=h.size if h.size is not None else counts[h.id],
            household_type=h.household_type if h.household_type in types else newcomer,
            included_on=started.isoformat() if started else "", risks=risk,
            measures="；".join(measures[h.id]), check=check or ""))
    return out


def by_village(rows: list[AssistanceRow]) -> dict[str, list[AssistanceRow]]:
    """The rows grouped by village, villages in order."""
    grouped: dict[str, list[AssistanceRow]] = defaultdict(list)
    for r in rows:
        grouped[r.village].append(r)
    return dict(sorted(grouped.items()))


def workbook(rows: list[AssistanceRow], township: str, year: int) -> Workbook:
    """One sheet per village, printable on A4 landscape (fit to width, header on every page)."""
    wb = Workbook()
    wb.remove(wb.active)
    for village, part in by_village(rows).items():
        ws = add_sheet(wb, village)
        write_table(ws, COLUMNS, [r.cells(i) for i, r in enumerate(part, start=1)], WIDTHS,
                    f"{township}{village} {year}年帮扶清单")
    return wb


def write(path: Path, rows: list[AssistanceRow], township: str, year: int) -> Path:
    """Write the list as XLSX (a sheet per village) or CSV (村 as the first column)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        write_csv_file(path, ("村", *COLUMNS),
                       [[village, *r.cells(i)] for village, part in by_village(rows).items()
                        for i, r in enumerate(part, start=1)])
        return path
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"{path}: write a .xlsx or .csv file")
    return save_workbook(workbook(rows, township, year), path)

