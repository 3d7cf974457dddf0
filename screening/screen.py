"""Screen one period: rules over the linked records → warnings, leads, regional alerts, tasks."""
from __future__ import annotations

import gc
import logging
from collections import Counter, defaultdict
from contextlib import contextmanager
from typing import Iterator

from screening.alerts import raise_alerts
from screening.corrections import settle_corrections
from screening.records import ScreenedRecord, load_period_records
from screening.roster_risks import add_household_facts, roster_records
from screening.rules import Hit, RuleSet, load_rules
from screening.warning_store import Finding, WarningStore
from shouwang.context import Context
from warehouse.db import session_scope
from warehouse.models import utcnow

log = logging.getLogger(__name__)


def evaluate(records: list[ScreenedRecord], rules: RuleSet) -> list[Finding]:
    """Every rule over every record with a subject, merged per subject and risk type."""
    grouped: dict[tuple[str, str], list[tuple[Hit, ScreenedRecord]]] = defaultdict(list)
    subjects = {}
    by_subject: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    record_rules: dict[str, list] = {}  # per department, looked up once rather than per record
    # Only combination rules read the per-subject copies: copy just their departments' fields.
    combined = {part.department for rule in rules.combination_rules for part in rule.parts}
    for i, sr in enumerate(records):
        if sr.subject is None:
            continue
        subjects[sr.subject.key] = sr.subject
        departments = by_subject[sr.subject.key]  # every subject, in order of appearance
        if sr.department in combined:
            departments[sr.department].append({**sr.fields, "_key": i})
        if sr.department not in record_rules:
            record_rules[sr.department] = rules.record_rules(sr.department)
        for rule in record_rules[sr.department]:
            hit = rule.evaluate(sr.fields)
            if hit is not None:
                grouped[(sr.subject.key, hit.risk_type)].append((hit, sr))
    for rule in rules.combination_rules:
        for key, departments in by_subject.items():
            fired = rule.evaluate_combination(departments)
            if fired is not None:
                hit, indexes = fired
                grouped[(key, hit.risk_type)].extend((hit, records[i]) for i in indexes)
    findings = []
    for (key, risk_type), hits in grouped.items():
        subject = subjects[key]
        if subject.is_lead:
            # Only a serious risk makes a lead (应纳未纳); lesser ones wait for the roster.
            hits = [(h, sr) for h, sr in hits if h.level in rules.lead_levels]
        if hits:
            findings.append(Finding(subject, risk_type, hits))
    return findings


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its state after.

    Loading and screening a county's records allocates hundreds of thousands of long-lived,
    acyclic objects; each full collection meanwhile walks all of them again (a third of the
    time at 100,000 households). Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def screen_period(ctx: Context, period: str) -> dict:
    """Warn, merge, lead and alert for ``period``; returns counts only (no personal data)."""
    rules = load_rules(ctx.settings, period, ctx.home)
    now = utcnow()
    with session_scope(ctx.engine) as session:
        with cyclic_gc_paused():
            records = load_period_records(session, period)
            add_household_facts(session, records, rules)
            # After the feeds: a household's deductible costs come from this period's records.
            roster = roster_records(session, period, rules, records)
            findings = evaluate(records + roster, rules)
        store = WarningStore(session, rules, ctx.settings, period, now)
        outcomes = store.save_all(findings)
        # After the save: a corrected feed's new rows are evidence before the old ones are judged.
        levels = {(f.subject.key, f.risk_type): rules.worst(h.level for h, _ in f.hits)
                  for f in findings}
        settled = settle_corrections(session, period, rules, ctx.settings, levels, now)
        alerts = raise_alerts(session, period, rules.alerts, rules.risk_types)
        links = Counter(sr.link_status or "unlinked" for sr in records)
        summary = {
            "period": period,
            "records": len(records),
            "roster_records": len(roster),
            "linked": links["auto"] + links["accepted"],
            "unlinked_not_on_roster": links["none"] + links["rejected"],
            "awaiting_review": links["review"],
            "not_matched_yet": links["unlinked"],
            "findings": len(findings),
            "warnings_new": outcomes["new"],
            "warnings_updated": outcomes["updated"],
            "warnings_unchanged": outcomes["unchanged"],
            "warnings_withdrawn": settled["withdrawn"],
            "evidence_withdrawn_kept": settled["kept"],
            "evidence_moved": settled["moved"],
            "leads": sum(1 for f in findings if f.subject.is_lead),
            "by_level": dict(Counter(levels.values())),
            "alerts": len(alerts),
        }
    log.info("screen %s", summary)
    return summary
