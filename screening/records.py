"""The period's loaded feed records with their roster links: who each record is about."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from screening.places import PlaceNames
from screening.rules import age_on
from warehouse.db import in_chunks
from warehouse.masking import mask_id
from warehouse.models import FeedBatch, FeedRecord, Household, Link, Person

ROSTER = "registry"  # the roster's own records are made by screening.roster_risks, not loaded here

LINKED = ("auto", "accepted")  # the record is about a roster household
UNLINKED = ("none", "rejected")  # no roster person: a possible lead (应纳未纳)
SUBJECT_KEY_MAX = 48  # warnings.subject_key
FETCH_ROWS = 10_000  # rows fetched at a time: the raw rows never all sit in memory at once


@dataclass(slots=True)
class Subject:
    """Whom a warning is about: a roster household, or a person not on the roster (a lead)."""

    key: str
    township: str | None
    village: str | None
    household_id: int | None = None
    risk_status: str | None = None  # the household's, which decides the verification action
    lead_name: str | None = None
    lead_id_masked: str | None = None

    @property
    def is_lead(self) -> bool:
        """True for a person not on the roster."""
        return self.household_id is None


@dataclass(slots=True)
class ScreenedRecord:
    """One loaded record, ready for the rules: its fields (with ``age``) and its subject."""

    record_id: int
    department: str
    source_file: str
    source_row: int
    arrived_at: dt.datetime
    link_status: str | None
    fields: dict
    subject: Subject | None
    person_id: int | None = None  # the roster person a linked record is about

    @property
    def source(self) -> str:
        """``file#row`` as a person finds it in the department's spreadsheet; a roster record
        names the roster file and the household's 户编号 instead (screening.roster_risks)."""
        if self.department == ROSTER:
            return self.source_file
        return f"{self.source_file}#{self.source_row}"


def period_start(period: str) -> dt.date:
    """The first day of a ``YYYY-MM`` period."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def lead_key(id_index: str | None, name: str | None, village: str | None) -> str:
    """``lead:<id_index>``, or ``lead:<name>@<village>`` when the ID was unreadable."""
    if id_index:
        return f"lead:{id_index}"
    key = f"lead:{(name or '').replace(' ', '')}@{village or ''}"
    if len(key) > SUBJECT_KEY_MAX:  # long names: keep the key stable but within the column
        key = "lead:~" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


def period_records_query(period: str):
    """One row per loaded record of ``period``: only the columns rules and warnings read.

    Plain columns rather than ORM entities (building 3 objects a record was most of this
    stage's time), and never the raw row, flags or match explanation (their JSON decoding
    was the rest). The household comes by join; the batch's arrival and the roster person's
    birth date are looked up apart (a few batches; few records lack their own birth date).
    """
    linked = Link.status.in_(LINKED)
    return (
        select(FeedRecord.id, FeedRecord.batch_id, FeedRecord.department, FeedRecord.source_file,
               FeedRecord.source_row, FeedRecord.name, FeedRecord.fields, FeedRecord.birth_date,
               FeedRecord.id_index, FeedRecord.id_masked, FeedRecord.township,
               FeedRecord.township_id, FeedRecord.village, FeedRecord.village_id,
               Link.status.label("link_status"), Link.person_id,
               Household.id.label("hh_id"), Household.township.label("hh_township"),
               Household.township_id.label("hh_township_id"), Household.village.label("hh_village"),
               Household.village_id.label("hh_village_id"),
               Household.risk_status.label("hh_risk_status"))
        .join(FeedBatch, FeedBatch.id == FeedRecord.batch_id)
        .outerjoin(Link, Link.record_id == FeedRecord.id)
        .outerjoin(Household, and_(linked, Household.id == Link.household_id))
        .where(FeedRecord.period == period, FeedBatch.status == "loaded",
               FeedRecord.department != ROSTER)
        .order_by(FeedRecord.department, FeedRecord.source_file, FeedRecord.source_row)
    )


def household_subject(places: PlaceNames, household_id: int, township: str | None,
                      township_id: int | None, village: str | None, village_id: int | None,
                      risk_status: str | None) -> Subject:
    """The Subject of a roster household, its places in their official names."""
    town = places.township(township, township_id)
    return Subject(f"hh:{household_id}", town, places.village(town, village, village_id),
                   household_id=household_id, risk_status=risk_status)


def load_period_records(session: Session, period: str) -> list[ScreenedRecord]:
    """Records of the period's loaded batches, each with its link status and subject."""
    places = PlaceNames(session)
    start = period_start(period)
    arrived = dict(session.execute(select(FeedBatch.id, FeedBatch.arrived_at).where(
        FeedBatch.period == period, FeedBatch.status == "loaded")).tuples().all())
    households: dict[int, Subject] = {}  # one Subject per household, shared by its records
    ageless: dict[int, list[ScreenedRecord]] = defaultdict(list)  # by roster person
    out = []
    # Core rows on the session's connection, unpacked as tuples: the ORM's per-row wrapping
    # and by-name column access cost as much as the query itself at county scale.
    result = session.connection().execute(
        period_records_query(period).execution_options(yield_per=FETCH_ROWS))
    for (record_id, batch_id, department, source_file, source_row, name, fields, birth_date,
         id_index, id_masked, township, township_id, village, village_id, status, person_id,
         hh_id, hh_township, hh_township_id, hh_village, hh_village_id, hh_risk_status) in result:
        if fields is None:
            fields = {}  # otherwise decoded afresh for this row: ours to extend
        fields.setdefault("name", name)
        fields["age"] = age_on(birth_date, start)
        if status in LINKED and hh_id is not None:
            subject = households.get(hh_id)
            if subject is None:
                subject = households[hh_id] = household_subject(
                    places, hh_id, hh_township, hh_township_id, hh_village, hh_village_id,
                    hh_risk_status)
        elif status in UNLINKED:
            town = places.township(township, township_id)
            subject = Subject(lead_key(id_index, name, village), town,
                              places.village(town, village, village_id),
                              lead_name=name, lead_id_masked=mask_id(id_masked) or None)
        else:
            subject = None  # awaiting review, or not matched yet: screened once matching decides
        sr = ScreenedRecord(record_id, department, source_file, source_row, arrived[batch_id],
                            status, fields, subject, person_id if status in LINKED else None)
        if birth_date is None and person_id is not None and status in LINKED:
            ageless[person_id].append(sr)  # age from the roster person (ID unreadable)
        out.append(sr)
    for part in in_chunks(ageless):
        for person_id, birth in session.execute(
                select(Person.id, Person.birth_date).where(Person.id.in_(part))).tuples():
            for sr in ageless[person_id]:
                sr.fields["age"] = age_on(birth, start)
    return out
