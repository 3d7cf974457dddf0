"""Regional (规模性) alerts: many households with one risk type in one village or township."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from screening.warning_store import WITHDRAWN
from warehouse.models import Alert, RiskWarning, WarningEvidence


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


def count_places(warnings: list[RiskWarning], village_min: int, township_min: int) -> dict:
    """{(township, village or None, risk_type): households} for the places over a threshold."""
    by_village: dict[tuple, set] = defaultdict(set)
    by_township: dict[tuple, set] = defaultdict(set)
    for w in warnings:
        if not w.township:
            continue  # a record with no address cannot be placed; it still has its warning
        by_township[(w.township, None, w.risk_type)].add(w.subject_key)
        if w.village:
            by_village[(w.township, w.village, w.risk_type)].add(w.subject_key)
    found = {k: len(v) for k, v in by_village.items() if len(v) >= village_min}
    found.update({k: len(v) for k, v in by_township.items() if len(v) >= township_min})
    return found


def raise_alerts(session: Session, period: str, thresholds: dict) -> list[Alert]:
    """Write the period's alerts (idempotent: kept, updated, or withdrawn when under threshold)."""
    found = count_places(active_warnings(session, period), int(thresholds["village_min_households"]),
                         int(thresholds["township_min_households"]))
    existing = {(a.township, a.village, a.risk_type): a for a in session.execute(
        select(Alert).where(Alert.period == period)).scalars()}
    stale = [a.id for k, a in existing.items() if k not in found]
    if stale:
        session.execute(delete(Alert).where(Alert.id.in_(stale)))
    out = []
    for (township, village, risk_type), households in sorted(found.items(), key=_order):
        alert = existing.get((township, village, risk_type))
        if alert is None:
            alert = Alert(period=period, township=township, village=village, risk_type=risk_type,
                          households=households)
            session.add(alert)
        elif alert.households != households:
            alert.households = households
        out.append(alert)
    session.flush()
    return out


def _order(item: tuple) -> tuple:
    (township, village, risk_type), _ = item
    return (township, village or "", risk_type)
