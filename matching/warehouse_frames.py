"""Read a period's loaded feed records and the active roster persons as frames to link."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Integer, select
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
    cols = [FeedRecord.id.label("record_id"), FeedRecord.name, FeedRecord.township, FeedRecord.village,
            FeedRecord.role] + [getattr(FeedRecord, c) for c in _IDENTITY]
    stmt = select(*cols).where(FeedRecord.batch_id.in_(loaded_batch_ids(period)))
    frame = _frame(conn, stmt.order_by(FeedRecord.id), cols)
    return record_frame(frame)


def read_persons(conn: Connection) -> pd.DataFrame:
    """Active roster persons of active households, with their household's place."""
    cols = [Person.id.label("person_id"), Person.household_id, Person.name, Person.relation,
            Household.township, Household.village] + [getattr(Person, c) for c in _IDENTITY]
    stmt = (select(*cols).join(Household, Household.id == Person.household_id)
            .where(Person.active.is_(True), Household.active.is_(True)).order_by(Person.id))
    return person_frame(_frame(conn, stmt, cols))


def _frame(conn: Connection, stmt, cols) -> pd.DataFrame:
    """Rows as a frame: integer columns int64, the rest Python objects.

    Plain tuples (a mapping per row costs more than the query), and object columns rather
    than pandas' Arrow strings, which every later step would convert back one value at a time.
    """
    rows = conn.execute(stmt).all()
    values = list(zip(*rows)) if rows else [()] * len(cols)
    data = {}
    for col, vals in zip(cols, values):
        whole = isinstance(col.type, Integer) and None not in vals
        data[col.key] = np.array(vals, dtype=np.int64) if whole else pd.Series(vals, dtype=object)
    return pd.DataFrame(data)
