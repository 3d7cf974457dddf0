"""The daily merge (日汇总): one day's channel inputs matched, graded and de-duplicated.

Only the day's inputs are touched (and earlier ones whose match a reviewer has since settled):
each becomes a feed record, is linked to the roster by ``matching.incremental`` against the
candidate persons only, graded by its channel's default level, and saved through the same
``WarningStore`` as the monthly screening, so the same household and risk type adds evidence
to the open warning instead of a new line. A person not on the roster becomes a 应纳未纳 lead.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from matching.incremental import link_records
from screening.channels.grading import channel_grades, grade
from screening.channels.intake import (UNMATCHED, day_bounds, match_row, not_merged_by,
                                       records_of, stage, waiting_for_review)
from screening.places import PlaceNames
from screening.records import LINKED, UNLINKED, ScreenedRecord, Subject, lead_key
from screening.rules import load_rules
from screening.warning_store import Finding, WarningStore
from warehouse.channel_tables import ChannelInput
from warehouse.db import in_chunks
from warehouse.masking import mask_id
from warehouse.models import FeedRecord, Household, Link

log = logging.getLogger(__name__)
WARNING, LEAD, DUPLICATE = "warning", "lead", "duplicate"


@dataclass(slots=True)
class ChannelRecord(ScreenedRecord):
    """A channel input as screening sees it; its source is ``<channel>:<receipt>``."""

    @property
    def source(self) -> str:
        """``self_report:R8K2QX7P``: how warnings and lists cite the input."""
        return self.source_file


def merge_day(ctx, session: Session, day: dt.date, now: dt.datetime) -> Counter:
    """Merge the inputs received by the end of ``day`` not merged yet (the day's, and any that
    came after an earlier day's run), and earlier ones whose match a reviewer has settled since;
    count what each became (merge_result) and how many there were."""
    settings = ctx.settings
    # An input is stamped as merged on the day it was merged for: a later run of an earlier day
    # (a backfill) stamps the end of that day, so the day's list is the same whenever it runs.
    now = min(now, day_bounds(day, settings)[1] - dt.timedelta(microseconds=1))
    todays = not_merged_by(session, day, settings)
    waiting = waiting_for_review(session, day, settings)
    outcome: Counter = Counter(inputs=len(todays), waiting=len(waiting))
    if not todays and not waiting:
        return outcome
    records = stage(session, ctx.vault(), todays, day, now) if todays else {}
    links: dict[int, dict] = {}
    by_period: dict[str, list[ChannelInput]] = defaultdict(list)
    for ci in todays:
        by_period[ci.period].append(ci)
    for period, group in by_period.items():
        frame = pd.DataFrame([match_row(records[ci.id]) for ci in group])
        links.update(link_records(ctx, session.connection(), period, frame,
                                  int(settings["daily"]["sample_persons"]),
                                  float(settings["daily"]["on_roster"])))
    settled = records_of(session, waiting)
    links.update(_current_links(session, [r.id for r in settled.values()]))
    records.update(settled)
    for ci in waiting:  # still in review: it waits for the next merge
        if links.get(records[ci.id].id, {}).get("status") not in (*LINKED, *UNLINKED):
            outcome["still_waiting"] += 1
    chosen = [ci for ci in [*todays, *waiting]
              if links.get(records[ci.id].id, {}).get("status") in (*LINKED, *UNLINKED)]
    for ci in todays:
        if ci not in chosen:
            ci.merged_at, ci.merge_result = now, UNMATCHED
            outcome[UNMATCHED] += 1
    groups: dict[str, list[ChannelInput]] = defaultdict(list)
    for ci in chosen:
        groups[ci.period].append(ci)
    for period, group in groups.items():
        outcome.update(_save(ctx, session, period, group, records, links, now))
    return outcome


def _current_links(session: Session, record_ids: list[int]) -> dict[int, dict]:
    """The stored link of each record (a reviewer's decision, or the monthly re-match)."""
    out = {}
    for part in in_chunks(record_ids):
        for record_id, status, household_id in session.execute(
                select(Link.record_id, Link.status, Link.household_id).where(Link.record_id.in_(part))):
            out[record_id] = {"status": status, "household_id": household_id}
    return out


def _save(ctx, session: Session, period: str, inputs: list[ChannelInput],
          records: dict[int, FeedRecord], links: dict[int, dict], now: dt.datetime) -> Counter:
    """Grade the inputs of one period and save them as warnings; set each input's merge_result."""
    rules = load_rules(ctx.settings, period, ctx.home)
    grades = channel_grades(ctx.settings, period, ctx.home, rules)
    subjects = _subjects(session, inputs, records, links)
    grouped: dict[tuple[str, str], Finding] = {}
    owner: dict[tuple[str, str], list[ChannelInput]] = defaultdict(list)
    for ci in inputs:
        record, subject = records[ci.id], subjects[ci.id]
        hit = grade(grades, rules, ci.channel, ci.risk_type, ci.description)
        sr = ChannelRecord(record.id, ci.channel, record.source_file, record.source_row,
                           ci.received_at, links[record.id]["status"], dict(record.fields or {}),
                           subject)
        pair = (subject.key, hit.risk_type)
        grouped.setdefault(pair, Finding(subject, hit.risk_type, [])).hits.append((hit, sr))
        owner[pair].append(ci)
    findings = list(grouped.values())
    store = WarningStore(session, rules, ctx.settings, period, now)
    before = store.existing_all(findings)  # the open warnings these inputs may join
    store.save_all(findings)
    after = store.existing_all(findings)
    counts: Counter = Counter()
    for pair, group in owner.items():
        warning = after[pair]
        subject = grouped[pair].subject
        for k, ci in enumerate(group):
            if pair in before or k > 0:
                result = DUPLICATE
            else:
                result = LEAD if subject.is_lead else WARNING
            ci.merged_at, ci.merge_result = now, result
            ci.household_id, ci.warning_id = subject.household_id, warning.id
            counts[result] += 1
    return counts


def _subjects(session: Session, inputs: list[ChannelInput], records: dict[int, FeedRecord],
              links: dict[int, dict]) -> dict[int, Subject]:
    """Whom each input is about: its matched roster household, or itself as a lead."""
    places = PlaceNames(session)
    hh_ids = {links[records[ci.id].id]["household_id"] for ci in inputs
              if links[records[ci.id].id]["status"] in LINKED}
    households: dict[int, Subject] = {}
    for part in in_chunks(sorted(h for h in hh_ids if h is not None)):
        for h in session.execute(select(Household.id, Household.township, Household.township_id,
                                        Household.village, Household.village_id,
                                        Household.risk_status).where(Household.id.in_(part))):
            town = places.township(h.township, h.township_id)
            households[h.id] = Subject(f"hh:{h.id}", town, places.village(town, h.village, h.village_id),
                                       household_id=h.id, risk_status=h.risk_status)
    out = {}
    for ci in inputs:
        record = records[ci.id]
        link = links[record.id]
        if link["status"] in LINKED and link["household_id"] in households:
            out[ci.id] = households[link["household_id"]]
            continue
        town = places.township(ci.township, ci.township_id)
        out[ci.id] = Subject(lead_key(record.id_index, ci.name, ci.village), town,
                             places.village(town, ci.village, ci.village_id), lead_name=ci.name,
                             lead_id_masked=mask_id(ci.id_masked) or None)
    return out
