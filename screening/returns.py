"""Monthly returns to departments (seed 004 §6: 每月向同级各行业主管部门推送监测对象认定及风险消除信息).

One XLSX per department for a month: the households newly identified as monitored objects that
month (a warning reached the status settings ``departments.monitored_status``, read from the
append-only warning_history) and the households whose risk was eliminated that month (roster
风险状态 turned settings ``departments.eliminated_risk_status``, read from household_history).
One row per household member, with the department's own columns (its contract's headers, e.g.
学籍状态 for education) filled from its latest record of that person. Only 户编号 and masked
IDs identify anyone.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from connectors import catalog
from connectors.contract import ADDRESS_FIELDS, Contract
from shouwang.core import periods
from shouwang.core.clock import local_date
from shouwang.core.outputs import add_sheet, append_row, save_workbook, title_sheet
from warehouse.db import in_chunks
from warehouse.masking import mask_text
from warehouse.models import (FeedBatch, FeedRecord, Household, HouseholdHistory, Link, Person,
                              RiskWarning, WarningHistory)

MONITORED, ELIMINATED = "新识别监测对象", "风险消除"
HEADERS = ("户编号", "乡镇", "村", "姓名", "身份证号（脱敏）", "与户主关系", "劳动能力")
# Contract field types that identify a person or place: never a department's own column here.
IDENTITY_TYPES = ("name", "id", "phone", "region")


@dataclass
class Member:
    """One household member on a return (the ID only masked)."""

    person_id: int
    name: str
    id_masked: str
    relation: str | None
    labour_capacity: str | None


@dataclass
class ReturnHousehold:
    """A household on a return: why it is there and its members."""

    household_id: int
    household_no: str
    township: str | None
    village: str | None
    day: str  # the county day it happened (identified, or the roster showing it loaded)
    why: str  # risk types identified, or the status change
    members: list[Member] = field(default_factory=list)


@dataclass
class MonthlyReturn:
    """What every department is told about one month."""

    period: str
    monitored: list[ReturnHousehold]
    eliminated: list[ReturnHousehold]


def own_columns(contract: Contract) -> list:
    """The department's own fields shown on its return (its contract's Chinese headers):
    everything but names, IDs, phones, places and sensitive columns."""
    return [f for f in contract.fields
            if f.type not in IDENTITY_TYPES and not f.sensitive and f.name not in ADDRESS_FIELDS]


def _in_month(moment, period: str, settings: dict) -> bool:
    day = local_date(moment, settings)
    return periods.first_day(period) <= day < periods.first_day(periods.shift(period, 1))


def _monitored(session: Session, period: str, settings: dict, risk_labels: dict
               ) -> list[ReturnHousehold]:
    status = settings["departments"]["monitored_status"]
    # A day's margin either side in UTC; the county's calendar then decides (_in_month).
    low = dt.datetime.combine(periods.first_day(period), dt.time()) - dt.timedelta(days=1)
    high = dt.datetime.combine(periods.first_day(periods.shift(period, 1)), dt.time()) + \
        dt.timedelta(days=1)
    rows = session.execute(
        select(WarningHistory.at, RiskWarning.risk_type, Household)
        .join(RiskWarning, RiskWarning.id == WarningHistory.warning_id)
        .join(Household, Household.id == RiskWarning.household_id)
        .where(WarningHistory.to_status == status,
               WarningHistory.from_status.is_distinct_from(status),
               WarningHistory.at >= low, WarningHistory.at < high)
        .order_by(WarningHistory.at, WarningHistory.id))
    seen: dict[int, ReturnHousehold] = {}
    for at, risk_type, hh in rows:
        if not _in_month(at, period, settings):
            continue
        label = risk_labels.get(risk_type, risk_type)
        if hh.id in seen:
            if label not in seen[hh.id].why.split("、"):
                seen[hh.id].why += f"、{label}"
            continue
        seen[hh.id] = ReturnHousehold(hh.id, hh.household_no, hh.township, hh.village,
                                      f"{local_date(at, settings):%Y-%m-%d}", label)
    return list(seen.values())


def _eliminated(session: Session, period: str, settings: dict) -> list[ReturnHousehold]:
    """Households whose roster version of this month (the county day it was loaded) turned the
    eliminated status from another one; a household so on its first roster is no change."""
    done = settings["departments"]["eliminated_risk_status"]
    rows = session.execute(
        select(HouseholdHistory, Household)
        .join(Household, Household.id == HouseholdHistory.household_id)
        .where(HouseholdHistory.household_id.in_(
            select(HouseholdHistory.household_id).where(HouseholdHistory.risk_status == done)))
        .order_by(HouseholdHistory.household_id, HouseholdHistory.valid_from,
                  HouseholdHistory.id))
    out: dict[int, ReturnHousehold] = {}
    before: dict[int, str | None] = {}
    for version, hh in rows:
        had = before.get(hh.id, "")  # "" = no earlier roster version: not a change
        before[hh.id] = version.risk_status
        if (version.risk_status == done and had != "" and had != done
                and _in_month(version.valid_from, period, settings)):
            out[hh.id] = ReturnHousehold(hh.id, hh.household_no, hh.township, hh.village,
                                         f"{local_date(version.valid_from, settings):%Y-%m-%d}",
                                         f"{had or '（空）'} → {done}")
    return list(out.values())


def _members(session: Session, households: list[ReturnHousehold]) -> None:
    by_id = {h.household_id: h for h in households}
    for part in in_chunks(list(by_id)):
        for p in session.scalars(select(Person).where(Person.household_id.in_(part),
                                                      Person.active.is_(True))
                                 .order_by(Person.household_id, Person.id)):
            by_id[p.household_id].members.append(
                Member(p.id, p.name, p.id_masked or "", p.relation, p.labour_capacity))


def monthly_return(session: Session, period: str, settings: dict,
                   risk_labels: dict[str, str]) -> MonthlyReturn:
    """The month's newly monitored and risk-eliminated households, with their members."""
    monitored = _monitored(session, period, settings, risk_labels)
    eliminated = _eliminated(session, period, settings)
    _members(session, monitored + eliminated)
    key = lambda h: (h.township or "", h.village or "", h.household_no)  # noqa: E731
    return MonthlyReturn(period, sorted(monitored, key=key), sorted(eliminated, key=key))


def department_values(session: Session, contract: Contract, person_ids: list[int],
                      period: str) -> dict[int, dict]:
    """Each person's latest loaded record of ``contract``'s department up to ``period``:
    person id → its fields (typed values by field name)."""
    out: dict[int, tuple[str, int, dict]] = {}
    for part in in_chunks(person_ids):
        for person_id, rec_period, rec_id, fields in session.execute(
                select(Link.person_id, FeedRecord.period, FeedRecord.id, FeedRecord.fields)
                .join(FeedRecord, FeedRecord.id == Link.record_id)
                .join(FeedBatch, and_(FeedBatch.id == FeedRecord.batch_id,
                                      FeedBatch.status == "loaded"))
                .where(Link.person_id.in_(part), Link.status.in_(("auto", "accepted")),
                       FeedRecord.department == contract.department,
                       FeedRecord.period <= period)):
            if person_id not in out or (rec_period, rec_id) > out[person_id][:2]:
                out[person_id] = (rec_period, rec_id, fields or {})
    return {pid: v[2] for pid, v in out.items()}


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return mask_text(value) if isinstance(value, str) else value


def return_workbook(data: MonthlyReturn, contract: Contract, session: Session) -> Workbook:
    """The return for one department: a sheet each for identified and eliminated households."""
    own = own_columns(contract)
    wb = Workbook()
    first = True
    for title, households in ((MONITORED, data.monitored), (ELIMINATED, data.eliminated)):
        if first:
            ws = wb.active
            title_sheet(ws, title)
            first = False
        else:
            ws = add_sheet(wb, title)
        when = "认定日期" if title == MONITORED else "花名册更新日期"
        what = "风险类型" if title == MONITORED else "风险状态变化"
        append_row(ws, [*HEADERS, when, what, *(f.headers[0] for f in own)])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ids = [m.person_id for h in households for m in h.members]
        values = department_values(session, contract, ids, data.period)
        for h in households:
            for m in h.members:
                mine = values.get(m.person_id, {})
                append_row(ws, [h.household_no, h.township or "", h.village or "", m.name,
                                m.id_masked, m.relation or "", m.labour_capacity or "", h.day,
                                h.why, *(_cell(mine.get(f.name)) for f in own)])
        ws.freeze_panes = "A2"
        for col, width in zip("ABCDEFGHI", (22, 10, 12, 10, 20, 10, 10, 12, 18)):
            ws.column_dimensions[col].width = width
    return wb


def file_name(contract: Contract, period: str) -> str:
    """The return's file name: <部门>_<YYYY-MM>_监测对象反馈.xlsx."""
    return f"{contract.label}_{period}_监测对象反馈.xlsx"


def departments() -> list[Contract]:
    """Every department that gets a return (the feed contracts, in their order)."""
    return catalog.all_contracts()


def write_returns(session: Session, period: str, out_dir: Path, settings: dict,
                  risk_labels: dict[str, str]) -> list[Path]:
    """Write every department's return for ``period`` into ``out_dir`` (atomically)."""
    data = monthly_return(session, period, settings, risk_labels)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [save_workbook(return_workbook(data, c, session), out_dir / file_name(c, period))
            for c in departments()]


def return_bytes(session: Session, period: str, contract: Contract, settings: dict,
                 risk_labels: dict[str, str]) -> bytes:
    """One department's return as XLSX bytes (the portal's download)."""
    wb = return_workbook(monthly_return(session, period, settings, risk_labels), contract,
                         session)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_returns(ctx, period: str, out_dir: Path) -> list[Path]:
    """Every department's return for ``period`` from ``ctx``'s warehouse into ``out_dir``."""
    from screening.rules import load_rules
    from warehouse.db import session_scope

    labels = load_rules(ctx.settings, period, ctx.home).risk_types
    with session_scope(ctx.engine) as session:
        return write_returns(session, period, out_dir, ctx.settings, labels)
