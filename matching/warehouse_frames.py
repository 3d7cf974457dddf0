"""Read a period's loaded feed records and the active roster persons as frames to link."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from matching.person_frames import person_frame, record_frame
from warehouse.models import FeedBatch, FeedRecord, Household, Person

LOADED = "loaded"
ROSTER_DEPARTMENT = "registry"
_IDENTITY = ("id_index", "id_key0", "id_key1", "id_key2", "id_key3", "birth_date", "sex")


def loaded_batch_ids(period: str):
    """Select of the period's department batches whose status is loaded."""
    return select(FeedBatch.id).where(
        FeedBatch.period == period, FeedBatch.status == LOADED,
        FeedBatch.department != ROSTER_DEPARTMENT,
    )


def read_records(conn: Connection, period: str) -> pd.DataFrame:
    """The period's loaded feed records with their match keys."""
    cols = [FeedRecord.id.label("record_id"), FeedRecord.department, FeedRecord.source_file,
            FeedRecord.source_row, FeedRecord.name, FeedRecord.township, FeedRecord.village,
            FeedRecord.role] + [getattr(FeedRecord, c) for c in _IDENTITY]
    stmt = select(*cols).where(FeedRecord.batch_id.in_(loaded_batch_ids(period)))
    frame = pd.DataFrame(conn.execute(stmt.order_by(FeedRecord.id)).mappings().all(),
                         columns=[c.key for c in cols])
    return record_frame(frame)


def read_persons(conn: Connection) -> pd.DataFrame:
    """Active roster persons of active households, with their household's place."""
    cols = [Person.id.label("person_id"), Person.household_id, Person.name, Person.relation,
            Household.township, Household.village] + [getattr(Person, c) for c in _IDENTITY]
    stmt = (select(*cols).join(Household, Household.id == Person.household_id)
            .where(Person.active.is_(True), Household.active.is_(True)).order_by(Person.id))
    frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=[c.key for c in cols])
    return person_frame(frame)
