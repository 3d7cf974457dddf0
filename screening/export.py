"""CSV exports of a period's warnings and regional alerts (no personal data in either)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.alerts import active_warnings
from screening.deadlines import as_utc
from shouwang.core.cli_args import write_csv
from shouwang.context import Context
from warehouse.db import in_chunks, session_scope
from warehouse.models import Alert, Household

WARNING_COLUMNS = ["warning_id", "household_id", "township", "village", "risk_type", "level",
                   "sources", "issued_at", "due_date", "status"]
# kind (event | rate | both) and reason (why, in Chinese) were added last: earlier columns keep their place.
ALERT_COLUMNS = ["period", "township", "village", "risk_type", "households", "kind", "reason"]


def export_warnings(ctx: Context, period: str, path: Path) -> int:
    """Write the warnings active in ``period``: warning_id is the code on the lists, household_id
    the roster's 户编号 (blank for a lead); return the count."""
    with session_scope(ctx.engine) as session:
        warnings = active_warnings(session, period)
        numbers = _household_numbers(session, {w.household_id for w in warnings if w.household_id})
        rows = [[
            w.code, numbers.get(w.household_id, ""), w.township or "",
            w.village or "", w.risk_type, w.level, ";".join(w.sources or []),
            as_utc(w.issued_at).isoformat(timespec="seconds"),
            w.due_date.isoformat() if w.due_date else "", w.status,
        ] for w in warnings]
    return write_csv(path, WARNING_COLUMNS, rows)


def _household_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    """Surrogate household key → the roster's 户编号 (IN lists chunked for PostgreSQL's limit)."""
    return {hid: no for part in in_chunks(ids) for hid, no in session.execute(
        select(Household.id, Household.household_no).where(Household.id.in_(part)))}


def export_alerts(ctx: Context, period: str, path: Path) -> int:
    """Write the period's regional alerts (village blank when township-wide) and why each fired;
    return the count."""
    with session_scope(ctx.engine) as session:
        rows = [[a.period, a.township, a.village or "", a.risk_type, a.households, a.kind or "",
                 a.reason or ""]
                for a in session.execute(select(Alert).where(Alert.period == period)
                                         .order_by(Alert.township, Alert.village, Alert.risk_type)).scalars()]
    return write_csv(path, ALERT_COLUMNS, rows)
