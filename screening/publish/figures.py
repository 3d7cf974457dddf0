"""The county digest's figures, computed once for both the HTML page and the XLSX workbook."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.corrections import held_rows
from screening.alerts import active_warnings, withdrawn_count
from screening.calendar import working_days_between
from screening.channels.grading import channel_labels
from screening.deadlines import as_utc, local_date
from screening.publish.channel_figures import channel_figures
from screening.publish.help_figures import help_figures
from screening.rules import RuleSet
from screening.warning_store import ENDED
from shouwang.core import periods
from shouwang.core.clock import local_time
from warehouse.models import Alert, FeedBatch, Household, PipelineEvent, VerificationTask, RiskWarning

FEED_STATUS = {"loaded": "已接收", "failed": "失败", "missing": "未报送", "superseded": "已被替换"}


def digest_figures(session: Session, period: str, rules: RuleSet, settings: dict,
                   today: dt.date, home: Path | None = None) -> dict:
    """Every figure of the county digest for ``period``, as of the county day ``today``
    (``home``: the county's folder, whose rules may name its own channels)."""
    current = [w for w in active_warnings(session, period)]
    return {
        "period": period,
        "previous_period": periods.previous(period),
        "today": today.isoformat(),
        "county": settings.get("county", {}).get("name", ""),
        "totals": {**_totals(current, period, rules), "withdrawn": withdrawn_count(session, period)},
        "matrix": _matrix(current, rules),
        "trend": _trend(current, active_warnings(session, periods.previous(period)), rules),
        "overdue": _overdue(session, rules, settings, today),
        **_overdue_steps(session, rules, settings, today),
        "alerts": _alerts(session, period, rules),
        "feeds": _feeds(session, period, rules, settings),
        "held": held_rows(session, period),  # corrected feeds waiting for `feeds accept`
        # self-reports, grid and hotline leads the daily merges took in (issue 17)
        "channels": channel_figures(session, period, channel_labels(settings, period, home, rules)),
        "help": help_figures(session, settings, today, home),  # the help loop's coverage (issue 18)
        "timeliness": _timeliness(current, float(settings["sla"]["publish_within_hours"])),
    }


def _totals(warnings: list[RiskWarning], period: str, rules: RuleSet) -> dict:
    levels = Counter(w.level for w in warnings)
    return {
        "warnings": len(warnings),
        "new": sum(w.opened_period == period for w in warnings),
        "ongoing": sum(w.opened_period != period for w in warnings),
        "leads": sum(bool(w.is_lead) for w in warnings),
        "households": len({w.subject_key for w in warnings}),
        "by_level": [{"level": lv, "label": info["name"], "count": levels[lv]}
                     for lv, info in rules.levels.items()],
    }


def _matrix(warnings: list[RiskWarning], rules: RuleSet) -> dict:
    cells = Counter((w.township or "未注明乡镇", w.risk_type) for w in warnings)
    townships = sorted({t for t, _ in cells})
    types = [rt for rt in rules.risk_types if any(rt == r for _, r in cells)]
    rows = [{"township": t, "counts": [cells[(t, rt)] for rt in types],
             "total": sum(cells[(t, rt)] for rt in types)} for t in townships]
    return {
        "risk_types": [{"code": rt, "label": rules.risk_types[rt]} for rt in types],
        "rows": rows,
        "totals": [sum(cells[(t, rt)] for t in townships) for rt in types],
        "max": max(cells.values(), default=0),
    }


def _trend(current: list[RiskWarning], previous: list[RiskWarning], rules: RuleSet) -> list[dict]:
    now, before = Counter(w.risk_type for w in current), Counter(w.risk_type for w in previous)
    return [{"code": rt, "label": label, "current": now[rt], "previous": before[rt],
             "change": now[rt] - before[rt]}
            for rt, label in rules.risk_types.items() if now[rt] or before[rt]]


def _overdue(session: Session, rules: RuleSet, settings: dict, today: dt.date) -> list[dict]:
    rows = session.execute(
        select(RiskWarning, Household.household_no, VerificationTask.escalated_at)
        .outerjoin(Household, Household.id == RiskWarning.household_id)
        .outerjoin(VerificationTask, VerificationTask.warning_id == RiskWarning.id)
        .where(RiskWarning.status.not_in(ENDED), RiskWarning.due_date < today,
               (VerificationTask.status.is_(None)) | (VerificationTask.status != "done"))
        .order_by(RiskWarning.due_date, RiskWarning.code)
    ).all()
    return [{
        "code": w.code, "township": w.township or "", "village": w.village or "",
        "household_no": no or "线索", "risk_type": rules.risk_types.get(w.risk_type, w.risk_type),
        "level": rules.levels.get(w.level, {}).get("name", w.level),
        "due_date": w.due_date.isoformat(), "working_days_late": working_days_between(w.due_date, today),
        # Set by the verification_sla DAG (shouwang.sla): blank until its daily run has seen it.
        "escalated_on": local_date(escalated, settings).isoformat() if escalated else "",
    } for w, no, escalated in rows]


def _overdue_steps(session: Session, rules: RuleSet, settings: dict, today: dt.date) -> dict:
    """Steps past due by the county's clocks (screening.clocks): each one, and per township how
    many, how late at most, and how far each was escalated; plus the calendar's gaps."""
    from screening.calendar import uncovered
    from screening.clocks import policy
    from warehouse.notification_tables import WarningClock

    rows = session.execute(
        select(WarningClock, RiskWarning, Household.household_no)
        .join(RiskWarning, RiskWarning.id == WarningClock.warning_id)
        .outerjoin(Household, Household.id == RiskWarning.household_id)
        .where(WarningClock.stopped_on.is_(None), RiskWarning.status.not_in(ENDED))
        .order_by(WarningClock.due_on, RiskWarning.code)).all()
    steps = []
    for clock, w, no in rows:
        if clock.due_on >= today:
            continue
        rule = policy(settings, clock.started_on.year).get(clock.clock)
        steps.append({
            "code": w.code, "township": w.township or "未注明乡镇", "village": w.village or "",
            "household_no": no or "线索", "risk_type": rules.risk_types.get(w.risk_type, w.risk_type),
            "step": rule.label if rule else clock.clock, "due_date": clock.due_on.isoformat(),
            "working_days_late": working_days_between(clock.due_on, today),
            "township_told_on": (clock.escalated_township_on.isoformat()
                                 if clock.escalated_township_on else ""),
            "county_told_on": (clock.escalated_county_on.isoformat()
                               if clock.escalated_county_on else ""),
        })
    by_township: dict[str, dict] = {}
    for s in steps:
        t = by_township.setdefault(s["township"], {"township": s["township"], "steps": 0,
                                                   "warnings": set(), "max_late": 0,
                                                   "to_county": 0})
        t["steps"] += 1
        t["warnings"].add(s["code"])
        t["max_late"] = max(t["max_late"], s["working_days_late"])
        t["to_county"] += bool(s["county_told_on"])
    townships = [{**t, "warnings": len(t["warnings"])} for t in
                 sorted(by_township.values(), key=lambda t: (-t["max_late"], t["township"]))]
    gaps = uncovered([today] + [clock.due_on for clock, *_ in rows])
    return {"overdue_steps": steps, "overdue_townships": townships, "calendar_gaps": gaps}


def _alerts(session: Session, period: str, rules: RuleSet) -> list[dict]:
    alerts = session.execute(select(Alert).where(Alert.period == period)
                             .order_by(Alert.township, Alert.village, Alert.risk_type)).scalars()
    return [{"township": a.township, "village": a.village or "全乡镇",
             "risk_type": rules.risk_types.get(a.risk_type, a.risk_type), "households": a.households,
             "reason": a.reason or ""}
            for a in alerts]


def _feeds(session: Session, period: str, rules: RuleSet, settings: dict) -> list[dict]:
    batches = session.execute(select(FeedBatch).where(FeedBatch.period == period)
                              .order_by(FeedBatch.arrived_at, FeedBatch.id)).scalars().all()
    events = session.execute(select(PipelineEvent).where(
        PipelineEvent.period == period, PipelineEvent.kind.in_(("failure", "late")))).scalars().all()
    out = []
    for dept, label in rules.departments.items():
        mine = [b for b in batches if b.department == dept]
        used = [b for b in mine if b.status == "loaded"]
        latest = (used or mine or [None])[-1]
        notes = [f"{e.kind}: {e.detail or ''}".strip() for e in events if e.department == dept]
        out.append({
            "department": dept, "label": label,
            "status": FEED_STATUS.get(latest.status, latest.status) if latest else FEED_STATUS["missing"],
            "arrived_at": local_time(latest.arrived_at, settings) if latest else "",
            "files": len(mine),
            "rows_read": sum(b.rows_read for b in used),
            "rows_loaded": sum(b.rows_loaded for b in used),
            "rows_quarantined": sum(b.rows_quarantined for b in used),
            "failed": sum(b.status == "failed" for b in mine) + sum(e.kind == "failure" for e in events
                                                                    if e.department == dept),
            "notes": "；".join(notes),
        })
    return out


def _timeliness(warnings: list[RiskWarning], hours: float) -> dict:
    timed = [w for w in warnings if w.batch_arrived_at is not None]
    within = [w for w in timed if w.published_at is not None
              and as_utc(w.published_at) - as_utc(w.batch_arrived_at) <= dt.timedelta(hours=hours)]
    return {"warnings": len(timed), "within": len(within), "hours": hours,
            "share": round(len(within) / len(timed), 4) if timed else None}
