"""Corrected feeds: warnings whose evidence lies in superseded batches are moved or withdrawn.

A department that sends a corrected file for a month supersedes its earlier batch (see
``connectors.ingest.load_sheet``). After screening the period again, every warning with
evidence in a superseded batch of the period is settled once:
- still supported by a record of a loaded batch: the superseded evidence goes, so evidence
  and sources name the new file's rows (and a level that only the old rows earned drops);
- no loaded record supports it: a warning in a withdrawable status (settings
  ``screening.withdraw_statuses``) becomes "withdrawn"; one already verified or closed keeps
  its status, and its history says the evidence was withdrawn.
Each change is one ``warning_history`` row.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from screening import history
from screening.deadlines import due_date
from screening.rules import RuleSet
from screening.warning_store import WITHDRAWN, redate_tasks
from warehouse.db import in_chunks
from warehouse.models import FeedBatch, FeedRecord, RiskWarning, WarningEvidence

SUPERSEDED, LOADED = "superseded", "loaded"


@dataclass(frozen=True)
class Correction:
    """A superseded batch of the period and the loaded batch that now stands for it."""

    old: int
    new: int | None
    department: str


def corrections(session: Session, period: str) -> dict[int, Correction]:
    """The period's superseded batches by id, each with its department's loaded batch."""
    rows = session.execute(select(FeedBatch.id, FeedBatch.department, FeedBatch.status,
                                  FeedBatch.superseded_by)
                           .where(FeedBatch.period == period,
                                  FeedBatch.status.in_((SUPERSEDED, LOADED)))).all()
    loaded = {r.department: r.id for r in rows if r.status == LOADED}
    return {r.id: Correction(r.id, loaded.get(r.department, r.superseded_by), r.department)
            for r in rows if r.status == SUPERSEDED}


def settle_corrections(session: Session, period: str, rules: RuleSet, settings: dict,
                       levels: dict[tuple[str, str], str], now: dt.datetime) -> Counter:
    """Move or withdraw the evidence of corrected batches; count "moved", "withdrawn", "kept".

    ``levels`` is this screening's level per (subject key, risk type). Does nothing (one
    small query) in a period without corrections.
    """
    fixed = corrections(session, period)
    stale = _stale_evidence(session, period, list(fixed)) if fixed else {}
    if not stale:
        return Counter()
    warnings = {w.id: w for part in in_chunks(stale) for w in session.execute(
        select(RiskWarning).where(RiskWarning.id.in_(part))).scalars()}
    supported = _supported(session, list(stale))
    withdrawable = set(settings["screening"]["withdraw_statuses"])
    unsupported_kept = [i for i in stale if i not in supported
                        and warnings[i].status not in withdrawable]
    latest = history.latest_kinds(session, unsupported_kept)
    entries, moved, outcomes = [], [], Counter()
    for warning_id, rows in stale.items():
        w = warnings[warning_id]
        if warning_id in supported:
            moved.append(w)
            outcomes["moved"] += 1
            continue
        why = f"{_why(period, rules, fixed, rows)}; no record supports this risk now"
        if w.status in withdrawable:
            entries.append(history.entry(w.id, "withdrawn", period, now, why, w.status, WITHDRAWN))
            w.status = WITHDRAWN
            outcomes["withdrawn"] += 1
        elif latest.get(w.id) != "evidence_withdrawn":  # told once, not at every rerun
            entries.append(history.entry(w.id, "evidence_withdrawn", period, now,
                                         f"{why}; the warning keeps its status", w.status, w.status))
            outcomes["kept"] += 1
    gone = [evidence_id for w in moved for evidence_id, _ in stale[w.id]]
    for part in in_chunks(gone):
        session.execute(delete(WarningEvidence).where(WarningEvidence.id.in_(part)))
    entries += _repoint(session, moved, stale, fixed, period, rules, settings, levels, now)
    history.append(session, entries)
    return outcomes


def _stale_evidence(session: Session, period: str, batch_ids: list[int]) -> dict[int, list]:
    """Per warning not yet withdrawn: (evidence id, superseded batch id) of its period's evidence
    on records of ``batch_ids``."""
    out: dict[int, list] = defaultdict(list)
    for part in in_chunks(batch_ids):
        for evidence_id, warning_id, batch_id in session.execute(
                select(WarningEvidence.id, WarningEvidence.warning_id, FeedRecord.batch_id)
                .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
                .join(RiskWarning, RiskWarning.id == WarningEvidence.warning_id)
                .where(WarningEvidence.period == period, FeedRecord.batch_id.in_(part),
                       RiskWarning.status != WITHDRAWN)
                .order_by(WarningEvidence.id)):
            out[warning_id].append((evidence_id, batch_id))
    return out


def _supported(session: Session, warning_ids: list[int]) -> set[int]:
    """The warnings with at least one evidence record in a loaded batch (any period)."""
    found: set[int] = set()
    for part in in_chunks(warning_ids):
        found.update(session.execute(
            select(WarningEvidence.warning_id).distinct()
            .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
            .join(FeedBatch, FeedBatch.id == FeedRecord.batch_id)
            .where(WarningEvidence.warning_id.in_(part), FeedBatch.status == LOADED)).scalars())
    return found


def _repoint(session: Session, moved: list[RiskWarning], stale: dict[int, list],
             fixed: dict[int, Correction], period: str, rules: RuleSet, settings: dict,
             levels: dict[tuple[str, str], str], now: dt.datetime) -> list[dict]:
    """Sources from the evidence left; the level of this screening when only this period's
    evidence is left (the old rows may have earned more); one history entry each."""
    left: dict[int, list] = defaultdict(list)
    for part in in_chunks([w.id for w in moved]):
        for warning_id, evidence_period, source_file, source_row in session.execute(
                select(WarningEvidence.warning_id, WarningEvidence.period, FeedRecord.source_file,
                       FeedRecord.source_row)
                .join(FeedRecord, FeedRecord.id == WarningEvidence.record_id)
                .where(WarningEvidence.warning_id.in_(part)).order_by(WarningEvidence.id)):
            left[warning_id].append((evidence_period, f"{source_file}#{source_row}"))
    entries, redated = [], []
    for w in moved:
        w.sources = list(dict.fromkeys(source for _, source in left[w.id]))
        words = f"{_why(period, rules, fixed, stale[w.id])}; evidence now {'、'.join(w.sources)}"
        level = levels.get((w.subject_key, w.risk_type))
        if level and level != w.level and {p for p, _ in left[w.id]} == {period}:
            words += f"; level {w.level} -> {level}"
            w.level, w.due_date = level, due_date(level, w.issued_at, settings)
            redated.append(w)
        entries.append(history.entry(w.id, "updated", period, now, words, w.status, w.status))
    redate_tasks(session, redated)
    return entries


def _why(period: str, rules: RuleSet, fixed: dict[int, Correction], rows: list) -> str:
    """"the 医保 feed of 2026-10 was corrected (batch 12 replaces 9)", one clause per
    superseded batch behind ``rows`` (evidence id, batch id)."""
    fixes = [fixed[batch_id] for batch_id in dict.fromkeys(b for _, b in rows)]
    return "; ".join(
        f"the {rules.departments.get(c.department, c.department)} feed of {period} was corrected "
        f"({f'batch {c.new}' if c.new is not None else 'a later batch'} replaces {c.old})" for c in fixes)
