"""Household detail for one warning: members (IDs masked), evidence and match explanations
(in sentences), indicators by their Chinese names, and the household's 组, grid and grid worker
(the worker's whole phone only when the page asks for it with the vault: docs/grids.md)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.field_labels import field_label
from portal.explanations import explanation_sentences
from portal.labels import Labels
from portal.principal import Principal
from portal.queue import get_warning
from screening.grid_lookup import GridInfo, grid_columns, worker_phone
from warehouse.audit import record as audit
from warehouse.models import (FeedRecord, Household, Link, Person, VerificationTask, RiskWarning,
                              WarningEvidence)

ROSTER = "registry"  # the roster's own records (screening/roster_risks.py): cited by 户编号


@dataclass
class Evidence:
    """A feed record behind the warning, as a cadre needs to see it."""

    department: str
    indicator: str
    indicator_label: str  # 学籍状态, from the department's contract
    value: str | None
    period: str
    rule: str
    source: str  # file#row
    match_status: str | None
    match_probability: float | None
    explanation: dict
    explanation_zh: list[str]  # the explanation as people read it


@dataclass
class HouseholdDetail:
    """Everything the detail page and GET /api/warnings/{code} show."""

    warning: RiskWarning
    task: VerificationTask | None
    household: Household | None
    members: list[dict] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    other_warnings: list[RiskWarning] = field(default_factory=list)
    grid: GridInfo = field(default_factory=GridInfo)  # 组, grid, worker; phones masked
    grid_worker_phone: str | None = None  # the whole number: only for the authenticated page


def household_detail(session: Session, principal: Principal, code: str,
                     labels: Labels, vault=None) -> HouseholdDetail:
    """The household detail of the warning ``code``; the view is written to the audit log.

    With ``vault`` (the warning page: a cadre calls the grid worker from the doorstep) the grid
    worker's phone is opened whole; the API and exports keep it masked."""
    w = get_warning(session, principal, code)
    task = session.scalar(select(VerificationTask).where(VerificationTask.warning_id == w.id))
    hh = session.get(Household, w.household_id) if w.household_id else None
    detail = HouseholdDetail(warning=w, task=task, household=hh)
    if hh is not None:
        people = session.scalars(select(Person).where(Person.household_id == hh.id,
                                                      Person.active.is_(True))
                                 .order_by(Person.id))
        detail.members = [{"name": p.name, "relation": p.relation, "id_masked": p.id_masked or "",
                           "labour_capacity": p.labour_capacity} for p in people]
        detail.other_warnings = list(session.scalars(
            select(RiskWarning).where(RiskWarning.household_id == hh.id, RiskWarning.id != w.id,
                                      principal.warning_scope())
            .order_by(RiskWarning.id)))
        detail.grid = grid_columns(session, [hh.id]).get(hh.id, GridInfo())
        if vault is not None and detail.grid.grid_id is not None:
            detail.grid_worker_phone = worker_phone(session, vault, detail.grid.grid_id)
    rows = session.execute(
        select(WarningEvidence, FeedRecord, Link)
        .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
        .outerjoin(Link, Link.record_id == FeedRecord.id)
        .where(WarningEvidence.warning_id == w.id).order_by(WarningEvidence.id))
    # A rule's own composite indicator (water_checks) is no contract field: its risk type names it.
    fallback = labels.risk_types.get(w.risk_type, w.risk_type)
    detail.evidence = [
        Evidence(department=ev.department, indicator=ev.indicator,
                 indicator_label=field_label(ev.department, ev.indicator, fallback),
                 value=ev.value, period=ev.period, rule=ev.rule,
                 # a roster risk's record cites the roster and 户编号, not a row of a feed file
                 source=rec.source_file if ev.department == ROSTER else f"{rec.source_file}#{rec.source_row}",
                 match_status=link.status if link else None,
                 match_probability=link.probability if link else None,
                 explanation=(link.explanation or {}) if link else {},
                 explanation_zh=explanation_sentences(link.explanation, link.status,
                                                      link.probability) if link else [])
        for ev, rec, link in rows]
    audit(session, principal.name, "view_household", "warning", w.code, w.township,
          {"household_no": hh.household_no if hh else None, "role": principal.role,
           "grid_phone_shown": detail.grid_worker_phone is not None})
    return detail
