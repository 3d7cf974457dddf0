"""Regional (规模性) alerts: the period's shocks (screening/shocks.py) written as Alert rows."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from screening.shocks import Baseline, Shock, Subject, county_rate, event_shocks, merge, \
    place_subjects, rate_shocks
from screening.warning_store import WITHDRAWN
from warehouse.models import Alert, FeedRecord, Household, RiskWarning, WarningEvidence


def active_warnings(session: Session, period: str) -> list[RiskWarning]:
    """Warnings with evidence in ``period`` (opened then, or ongoing and seen again), less
    those a corrected feed withdrew."""
    return list(session.execute(
        select(RiskWarning).where(RiskWarning.id.in_(_seen(period)), RiskWarning.status != WITHDRAWN)
        .order_by(RiskWarning.id)).scalars())


def withdrawn_count(session: Session, period: str) -> int:
    """How many of ``period``'s warnings a corrected feed withdrew."""
    return session.scalar(select(func.count(RiskWarning.id)).where(
        RiskWarning.id.in_(_seen(period)), RiskWarning.status == WITHDRAWN)) or 0


def _seen(period: str):
    return select(WarningEvidence.warning_id).where(WarningEvidence.period == period)


def _subjects(session: Session, period: str) -> dict[int, Subject]:
    return {w.id: Subject(w.subject_key, w.township, w.village, w.risk_type, w.opened_period == period)
            for w in active_warnings(session, period)}


def _evidence(session: Session, period: str, subjects: dict[int, Subject],
              departments: list[str]) -> list[tuple[Subject, str, dict]]:
    """(subject, department, fields) of the records behind this period's warnings."""
    if not departments:
        return []
    rows = session.execute(
        select(WarningEvidence.warning_id, FeedRecord.department, FeedRecord.fields)
        .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
        .where(WarningEvidence.period == period, FeedRecord.department.in_(departments)))
    return [(subjects[wid], dept, fields or {}) for wid, dept, fields in rows if wid in subjects]


def _roster(session: Session) -> dict[tuple[str, str | None], int]:
    """Active roster households per village and per township (village None)."""
    out: dict[tuple[str, str | None], int] = defaultdict(int)
    for township, village, n in session.execute(
            select(Household.township, Household.village, func.count(Household.id))
            .where(Household.active.is_(True)).group_by(Household.township, Household.village)):
        if township:
            out[(township, None)] += n
            if village:
                out[(township, village)] += n
    return dict(out)


def _history(session: Session, period: str, periods: int) -> list[dict]:
    """Counts per place and type of the latest ``periods`` screened periods before ``period``."""
    earlier = session.scalars(select(WarningEvidence.period).where(WarningEvidence.period < period)
                              .distinct().order_by(WarningEvidence.period.desc()).limit(periods)).all()
    return [{k: len(v) for k, v in place_subjects(_subjects(session, p).values()).items()}
            for p in earlier]


def find_shocks(session: Session, period: str, cfg: dict, labels: dict[str, str]) -> list[Shock]:
    """The period's shocks: events first, then improbable counts; one per place and type."""
    subjects = _subjects(session, period)
    events = event_shocks(_evidence(session, period, subjects, list(cfg["events"])), cfg["events"],
                          int(cfg["event_min_households"]), period)
    current = place_subjects(subjects.values())
    roster = _roster(session)
    rate = cfg["rate"]
    baseline = Baseline(roster, county_rate(current, roster),
                        _history(session, period, int(rate["history_periods"])),
                        float(rate["county_weight"]))
    found = merge(events + rate_shocks(current, baseline, events, labels, rate))
    return [found[k] for k in sorted(found, key=lambda k: (k[0], k[1] or "", k[2]))]


def raise_alerts(session: Session, period: str, cfg: dict, labels: dict[str, str] | None = None) -> list[Alert]:
    """Write the period's alerts (idempotent: kept, updated, or withdrawn when no longer a shock)."""
    shocks = find_shocks(session, period, cfg, labels or {})
    existing = {(a.township, a.village, a.risk_type): a for a in session.execute(
        select(Alert).where(Alert.period == period)).scalars()}
    keys = {s.key for s in shocks}
    stale = [a.id for k, a in existing.items() if k not in keys]
    if stale:
        session.execute(delete(Alert).where(Alert.id.in_(stale)))
    out = []
    for shock in shocks:
        alert = existing.get(shock.key)
        if alert is None:
            alert = Alert(period=period, township=shock.township, village=shock.village,
                          risk_type=shock.risk_type)
            session.add(alert)
        alert.households, alert.kind, alert.reason = len(shock.subjects), shock.kind, shock.reason
        out.append(alert)
    session.flush()
    return out
