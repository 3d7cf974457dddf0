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
IDENTITY_COLUMNS = ("id_index", "id_key0", "id_key1", "id_key2", "id_key3", "birth_date", "sex")


def loaded_batch_ids(period: str):
    """Select of the period's department batches whose status is loaded."""
    return select(FeedBatch.id).where(
        FeedBatch.period == period, FeedBatch.status == LOADED,
        FeedBatch.department != ROSTER_DEPARTMENT,
    )


def read_records(conn: Connection, period: str) -> pd.DataFrame:
    """The period's loaded feed records with their match keys."""
    cols = [FeedRecord.id.label("record_id"), FeedRecord.name, FeedRecord.township, FeedRecord.village,
            FeedRecord.role] + [getattr(FeedRecord, c) for c in IDENTITY_COLUMNS]
    stmt = select(*cols).where(FeedRecord.batch_id.in_(loaded_batch_ids(period)))
    frame = read_frame(conn, stmt.order_by(FeedRecord.id), cols)
    return record_frame(frame)


def read_persons(conn: Connection) -> pd.DataFrame:
    """Active roster persons of active households, with their household's place."""
    cols = [Person.id.label("person_id"), Person.household_id, Person.name, Person.relation,
            Household.township, Household.village] + [getattr(Person, c) for c in IDENTITY_COLUMNS]
    stmt = (select(*cols).join(Household, Household.id == Person.household_id)
            .where(Person.active.is_(True), Household.active.is_(True)).order_by(Person.id))
    return person_frame(read_frame(conn, stmt, cols))


def read_frame(conn: Connection, stmt, cols, chunk_rows: int = 100_000) -> pd.DataFrame:
    """Rows as a frame: integer columns int64, the rest Python objects, equal text one object.

    Plain tuples (a mapping per row costs more than the query), and object columns rather
    than pandas' Arrow strings, which every later step would convert back one value at a time.
    Read ``chunk_rows`` at a time, and a value that repeats (a village, a sex, a birth date)
    kept as one object, not one per row: a million-person roster's frame is then a third
    smaller and never held twice.
    """
    parts: dict[str, list] = {c.key: [] for c in cols}
    canonical: dict[str, dict] = {c.key: {} for c in cols}
    for rows in conn.execute(stmt).partitions(chunk_rows):
        for col, vals in zip(cols, zip(*rows)):
            vals = np.array(vals, dtype=object)
            # Integer columns become int64 below: nothing to share there.
            parts[col.key].append(vals if isinstance(col.type, Integer)
                                  else _shared(vals, canonical[col.key]))
        del rows
    data = {}
    for col in cols:
        vals = np.concatenate(parts.pop(col.key)) if parts[col.key] else np.zeros(0, dtype=object)
        whole = isinstance(col.type, Integer) and not pd.isna(vals).any()
        data[col.key] = vals.astype(np.int64) if whole else pd.Series(vals, dtype=object)
    return pd.DataFrame(data)


def _shared(values: np.ndarray, canonical: dict) -> np.ndarray:
    """``values`` with each value that repeats (here or in earlier chunks) one shared object."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) * 2 > len(values):  # mostly distinct (blind keys): nothing to share
        return values
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [canonical.setdefault(v, v) for v in uniques.tolist()]
    table[-1] = None
    return table[codes]
