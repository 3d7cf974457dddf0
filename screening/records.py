"""The period's loaded feed records with their roster links: who each record is about."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from screening.places import PlaceNames
from screening.rules import age_on
from warehouse.masking import mask_id
from warehouse.models import FeedBatch, FeedRecord, Household, Link, Person

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

    @property
    def source(self) -> str:
        """``file#row`` as a person finds it in the department's spreadsheet."""
        return f"{self.source_file}#{self.source_row}"


def period_start(period: str) -> dt.date:
    """The first day of a ``YYYY-MM`` period."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def lead_key(record) -> str:
    """``lead:<id_index>``, or ``lead:<name>@<village>`` when the ID was unreadable."""
    if record.id_index:
        return f"lead:{record.id_index}"
    key = f"lead:{(record.name or '').replace(' ', '')}@{record.village or ''}"
    if len(key) > SUBJECT_KEY_MAX:  # long names: keep the key stable but within the column
        key = "lead:~" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


def period_records_query(period: str):
    """One row per loaded record of ``period``: only the columns rules and warnings read.

    Plain columns rather than ORM entities (building 3 objects a record was most of this
    stage's time), and never the raw row, flags or match explanation (their JSON decoding
    was the rest). The roster person and household come by join, not by IN lists.
    """
    linked = Link.status.in_(LINKED)
    return (
        select(FeedRecord.id, FeedRecord.department, FeedRecord.source_file, FeedRecord.source_row,
               FeedRecord.name, FeedRecord.fields, FeedRecord.birth_date, FeedRecord.id_index,
               FeedRecord.id_masked, FeedRecord.township, FeedRecord.township_id,
               FeedRecord.village, FeedRecord.village_id, FeedBatch.arrived_at,
               Link.status.label("link_status"), Person.birth_date.label("person_birth_date"),
               Household.id.label("hh_id"), Household.township.label("hh_township"),
               Household.township_id.label("hh_township_id"), Household.village.label("hh_village"),
               Household.village_id.label("hh_village_id"),
               Household.risk_status.label("hh_risk_status"))
        .join(FeedBatch, FeedBatch.id == FeedRecord.batch_id)
        .outerjoin(Link, Link.record_id == FeedRecord.id)
        .outerjoin(Person, and_(linked, Person.id == Link.person_id))
        .outerjoin(Household, and_(linked, Household.id == Link.household_id))
        .where(FeedRecord.period == period, FeedBatch.status == "loaded")
        .order_by(FeedRecord.department, FeedRecord.source_file, FeedRecord.source_row)
    )


def load_period_records(session: Session, period: str) -> list[ScreenedRecord]:
    """Records of the period's loaded batches, each with its link status and subject."""
    places = PlaceNames(session)
    start = period_start(period)
    households: dict[int, Subject] = {}  # one Subject per household, shared by its records
    out = []
    result = session.execute(period_records_query(period).execution_options(yield_per=FETCH_ROWS))
    for row in result:
        fields = dict(row.fields or {})
        fields.setdefault("name", row.name)
        fields["age"] = age_on(row.birth_date or row.person_birth_date, start)
        out.append(ScreenedRecord(row.id, row.department, row.source_file, row.source_row,
                                  row.arrived_at, row.link_status, fields,
                                  _subject(row, households, places)))
    return out


def _subject(row, households: dict[int, Subject], places: PlaceNames) -> Subject | None:
    status = row.link_status
    if status in LINKED and row.hh_id is not None:
        subject = households.get(row.hh_id)
        if subject is None:
            township = places.township(row.hh_township, row.hh_township_id)
            subject = households[row.hh_id] = Subject(
                f"hh:{row.hh_id}", township,
                places.village(township, row.hh_village, row.hh_village_id),
                household_id=row.hh_id, risk_status=row.hh_risk_status)
        return subject
    if status in UNLINKED:
        township = places.township(row.township, row.township_id)
        return Subject(
            lead_key(row), township, places.village(township, row.village, row.village_id),
            lead_name=row.name, lead_id_masked=mask_id(row.id_masked) or None,
        )
    return None  # awaiting review, or not matched yet: screened once matching decides
