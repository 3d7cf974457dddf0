"""The period's loaded feed records with their roster links: who each record is about."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from screening.places import PlaceNames
from screening.rules import age_on
from warehouse.db import in_chunks
from warehouse.masking import mask_id
from warehouse.models import FeedBatch, FeedRecord, Household, Link, Person

LINKED = ("auto", "accepted")  # the record is about a roster household
UNLINKED = ("none", "rejected")  # no roster person: a possible lead (应纳未纳)
SUBJECT_KEY_MAX = 48  # warnings.subject_key


@dataclass
class Subject:
    """Whom a warning is about: a roster household, or a person not on the roster (a lead)."""

    key: str
    township: str | None
    village: str | None
    household: Household | None = None
    lead_name: str | None = None
    lead_id_masked: str | None = None

    @property
    def is_lead(self) -> bool:
        """True for a person not on the roster."""
        return self.household is None


@dataclass
class ScreenedRecord:
    """One loaded record, ready for the rules: its fields (with ``age``) and its subject."""

    record: FeedRecord
    arrived_at: dt.datetime
    link_status: str | None
    fields: dict
    subject: Subject | None

    @property
    def source(self) -> str:
        """``file#row`` as a person finds it in the department's spreadsheet."""
        return f"{self.record.source_file}#{self.record.source_row}"


def period_start(period: str) -> dt.date:
    """The first day of a ``YYYY-MM`` period."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def lead_key(record: FeedRecord) -> str:
    """``lead:<id_index>``, or ``lead:<name>@<village>`` when the ID was unreadable."""
    if record.id_index:
        return f"lead:{record.id_index}"
    key = f"lead:{(record.name or '').replace(' ', '')}@{record.village or ''}"
    if len(key) > SUBJECT_KEY_MAX:  # long names: keep the key stable but within the column
        key = "lead:~" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


def load_period_records(session: Session, period: str) -> list[ScreenedRecord]:
    """Records of the period's loaded batches, each with its link status and subject."""
    rows = session.execute(
        select(FeedRecord, FeedBatch.arrived_at, Link)
        .join(FeedBatch, FeedBatch.id == FeedRecord.batch_id)
        .outerjoin(Link, Link.record_id == FeedRecord.id)
        .where(FeedRecord.period == period, FeedBatch.status == "loaded")
        .order_by(FeedRecord.department, FeedRecord.source_file, FeedRecord.source_row)
        # Rules never read the raw row or the match explanation: decoding their JSON for
        # every record was most of this stage's time at county scale.
        .options(defer(FeedRecord.raw), defer(FeedRecord.flags), defer(Link.explanation))
    ).all()
    linked = [link for _, _, link in rows if link is not None and link.status in LINKED]
    households = _by_id(session, Household, {l.household_id for l in linked if l.household_id})
    persons = _by_id(session, Person, {l.person_id for l in linked if l.person_id})
    places = PlaceNames(session)
    start = period_start(period)
    out = []
    for record, arrived_at, link in rows:
        status = link.status if link is not None else None
        person = persons.get(link.person_id) if status in LINKED else None
        fields = dict(record.fields or {})
        fields.setdefault("name", record.name)
        birth = record.birth_date or (person.birth_date if person else None)
        fields["age"] = age_on(birth, start)
        out.append(ScreenedRecord(record, arrived_at, status, fields,
                                  _subject(record, link, households, places)))
    return out


def _by_id(session: Session, model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {o.id: o for part in in_chunks(ids)
            for o in session.execute(select(model).where(model.id.in_(part))).scalars()}


def _subject(record: FeedRecord, link: Link | None, households: dict, places: PlaceNames) -> Subject | None:
    status = link.status if link is not None else None
    if status in LINKED and link.household_id in households:
        hh = households[link.household_id]
        township = places.township(hh.township, hh.township_id)
        return Subject(f"hh:{hh.id}", township, places.village(township, hh.village, hh.village_id),
                       household=hh)
    if status in UNLINKED:
        township = places.township(record.township, record.township_id)
        return Subject(
            lead_key(record), township, places.village(township, record.village, record.village_id),
            lead_name=record.name, lead_id_masked=mask_id(record.id_masked) or None,
        )
    return None  # awaiting review, or not matched yet: screened once matching decides
