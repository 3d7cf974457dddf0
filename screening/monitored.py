"""新纳入监测对象: the households whose warning reached `monitored`, for entry in the national system.

One row per roster member (the national roster is one row per person), under the roster's own
headers (FEEDS.md 花名册), IDs masked as every people-facing output: the township's worksheet
for 录入全国防返贫监测信息系统 (seed 000 step 3). A lead (应纳未纳, not on the roster) is one
row with its own name and masked ID and no 户编号 yet.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screening.rules.loader import load_rules
from shouwang.core.clock import local_date
from shouwang.core.errors import UserError
from shouwang.core.outputs import append_row, save_workbook, title_sheet, write_csv_file
from warehouse.models import Household, Person, RiskWarning, WarningHistory

COLUMNS = ("户编号", "乡镇", "村", "户主姓名", "家庭人口", "风险类型", "纳入时间", "预警编号",
           "姓名", "与户主关系", "身份证号")
HEAD = "户主"


def rows(session: Session, since: dt.date, settings: dict, township: str | None = None,
         home: Path | None = None) -> list[tuple]:
    """The export's rows: warnings that reached `monitored` on or after county day ``since``."""
    reached = (select(WarningHistory.warning_id, func.min(WarningHistory.at).label("at"))
               .where(WarningHistory.to_status == "monitored")
               .group_by(WarningHistory.warning_id).subquery())
    query = (select(RiskWarning, reached.c.at).join(reached, reached.c.warning_id == RiskWarning.id)
             .where(RiskWarning.status.not_in(("closed", "withdrawn")))  # a later correction
             .order_by(RiskWarning.township, RiskWarning.village, RiskWarning.code))
    if township:
        query = query.where(RiskWarning.township == township)
    found = [(w, local_date(at, settings)) for w, at in session.execute(query)]
    found = [(w, day) for w, day in found if day >= since]
    labels: dict[str, dict] = {}
    households = {h.id: h for h in session.scalars(select(Household).where(
        Household.id.in_({w.household_id for w, _ in found if w.household_id})))}
    members: dict[int, list[Person]] = {}
    for p in session.scalars(select(Person).where(
            Person.household_id.in_(list(households)), Person.active.is_(True))
            .order_by(Person.household_id, Person.id)):
        members.setdefault(p.household_id, []).append(p)
    out = []
    for w, day in found:
        if w.opened_period not in labels:
            labels[w.opened_period] = load_rules(settings, w.opened_period, home).risk_types
        risk = labels[w.opened_period].get(w.risk_type, w.risk_type)
        h = households.get(w.household_id)
        if h is None:  # a lead: the person the feed named
            out.append(("", w.township or "", w.village or "", w.lead_name or "", 1, risk,
                        day.isoformat(), w.code, w.lead_name or "", HEAD, w.lead_id_masked or ""))
            continue
        people = members.get(h.id, [])
        head = next((p.name for p in people if p.relation == HEAD), "")
        size = h.size if h.size is not None else len(people)
        for p in people or [None]:
            out.append((h.household_no, h.township or w.township or "", h.village or w.village or "",
                        head, size, risk, day.isoformat(), w.code,
                        p.name if p else "", (p.relation or "") if p else "",
                        (p.id_masked or "") if p else ""))
    return out


def write(path: Path, table: list[tuple]) -> int:
    """Write the rows as CSV or XLSX (by ``path``'s suffix) through the safe writers."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv_file(path, COLUMNS, table)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        title_sheet(ws, "新纳入监测对象")
        append_row(ws, COLUMNS)
        for row in table:
            append_row(ws, row)
        save_workbook(wb, path)
    else:
        raise UserError(f"--out {path}: write a .csv or .xlsx file")
    return len({(r[0], r[7]) for r in table})

