"""The one way tests write warehouse rows: synthetic IDs, sealed through ``warehouse.sensitive``.

Every room's tests seed through ``Builder`` (households, persons, feed batches and records,
links, warnings and their tasks), so a stored ID or phone always has the ciphertext, blind
keys and mask that the roster load and the feed ingest would give it. Scenario data (which
households, which fields) stays with the room; only the writing is here.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from warehouse.crypto import Vault
from warehouse.db import session_scope
from warehouse.identity import make_id
from warehouse.models import (FeedBatch, FeedRecord, Household, Link, Person, VerificationTask,
                              RiskWarning)
from warehouse.sensitive import PHONE, RESIDENT_ID, identity_columns, sealed_pair

REGION = "500230"  # the synthetic county's region code
PERIOD = "2026-10"


class SyntheticIds:
    """Valid synthetic resident IDs, remembered so a test can prove none leaks."""

    def __init__(self, region: str = REGION, plain: list[str] | None = None) -> None:
        self.region = region
        self.plain = [] if plain is None else plain  # a caller's list is appended to
        self._seq = itertools.count(1)

    def new(self, birth: dt.date = dt.date(1970, 3, 4), male: bool = True,
            seq: int | None = None, region: str | None = None) -> str:
        """A fresh ID (the next sequence number unless ``seq`` is given)."""
        value = make_id(region or self.region, birth, next(self._seq) if seq is None else seq,
                        male=male)
        self.plain.append(value)
        return value


class Builder:
    """Adds synthetic rows to one open session; every ID and phone goes through the vault."""

    def __init__(self, session: Session, vault: Vault | None,
                 ids: SyntheticIds | None = None) -> None:
        self.session = session
        self._vault = vault
        self.ids = ids or SyntheticIds()

    @property
    def vault(self) -> Vault:
        """The vault every ID and phone is sealed with."""
        if self._vault is None:
            raise RuntimeError("this builder was opened with seal=False: open it with a vault "
                               "to write IDs or phones")
        return self._vault

    def _add(self, row):
        self.session.add(row)
        self.session.flush()  # ids are needed by the rows that point at this one
        return row

    def _identity(self, table: str, resident_id: str | None, uid: str | None = None) -> dict:
        # The row's uid is set before sealing: it is part of the ciphertext's AAD.
        uid = uid or uuid.uuid4().hex
        if resident_id is None:
            return {"uid": uid}
        return {"uid": uid, **identity_columns(self.vault, table, uid, resident_id)}

    def household(self, household_no: str, **columns) -> Household:
        """A roster household (columns as in ``warehouse.models.Household``)."""
        return self._add(Household(household_no=household_no, **columns))

    def person(self, household: Household | int, name: str, resident_id: str | None,
               phone: str | None = None, **columns) -> Person:
        """A roster member; ``resident_id`` (any cell, even invalid or blank) and ``phone``
        are sealed and indexed as the roster load stores them."""
        hid = household if isinstance(household, int) else household.id
        ident = self._identity("persons", resident_id, columns.pop("uid", None))
        if phone is not None:
            ident.update(sealed_pair(self.vault, PHONE, "persons", "phone_cipher", ident["uid"],
                                     phone))
        return self._add(Person(household_id=hid, name=name, **ident, **columns))

    def batch(self, department: str, period: str = PERIOD, status: str = "loaded",
              source_file: str | None = None, **columns) -> FeedBatch:
        """A feed batch of one department and period."""
        return self._add(FeedBatch(department=department, period=period, status=status,
                                   source_file=source_file or f"{department}_{period}.xlsx",
                                   **{"checksum": uuid.uuid4().hex, **columns}))

    def record(self, batch: FeedBatch, source_row: int, name: str | None,
               resident_id: str | None, role: str = "person", guardian_id: str | None = None,
               **columns) -> FeedRecord:
        """A loaded record of ``batch``; its ID cell sealed and indexed as ingest stores it,
        and a ``guardian_id`` kept in ``fields`` as its cipher/index pair."""
        columns.setdefault("record_hash", uuid.uuid4().hex)
        ident = self._identity("feed_records", resident_id, columns.pop("uid", None))
        if guardian_id is not None:
            columns["fields"] = {**columns.get("fields", {}), **sealed_pair(
                self.vault, RESIDENT_ID, "feed_records", "fields.guardian_id_cipher",
                ident["uid"], guardian_id)}
        return self._add(FeedRecord(batch_id=batch.id, department=batch.department,
                                    period=batch.period, source_file=batch.source_file,
                                    source_row=source_row, role=role, name=name, **ident,
                                    **columns))

    def link(self, record: FeedRecord, person: Person | int | None = None,
             household: Household | int | None = None, status: str = "auto",
             **columns) -> Link:
        """The link of ``record`` to a roster person and household (none: no match)."""
        return self._add(Link(record_id=record.id, person_id=_id_of(person),
                              household_id=_id_of(household), status=status, **columns))

    def warning(self, code: str, subject_key: str, risk_type: str = "illness",
                level: str = "red", period: str = PERIOD, **columns) -> RiskWarning:
        """A warning opened and last seen in ``period`` unless the columns say otherwise."""
        columns.setdefault("opened_period", period)
        columns.setdefault("last_period", period)
        columns.setdefault("action", "assistance_review")
        return self._add(RiskWarning(code=code, subject_key=subject_key, risk_type=risk_type,
                                 level=level, **columns))

    def task(self, warning: RiskWarning, **columns) -> VerificationTask:
        """The township's verification task of ``warning``."""
        columns.setdefault("township", warning.township)
        return self._add(VerificationTask(warning_id=warning.id, **columns))

    def add(self, row):
        """Any other row (evidence, alerts, users): nothing in it is sealed."""
        return self._add(row)


def _id_of(row) -> int | None:
    return row if row is None or isinstance(row, int) else row.id


@contextmanager
def building(ctx, ids: SyntheticIds | None = None, create_key: bool = False,
             seal: bool = True) -> Iterator[Builder]:
    """A ``Builder`` over one transaction of ``ctx``'s warehouse, committed on success.

    The vault is opened first (its first use registers the key, a write of its own);
    ``seal=False`` skips it for rows without IDs, leaving the key registry untouched.
    """
    vault = ctx.vault(create=create_key) if seal else None
    with session_scope(ctx.engine) as s:
        yield Builder(s, vault, ids)


def plaintext_columns(engine, secrets: list[str]) -> list[str]:
    """``table.column`` places where any of ``secrets`` (IDs, phones) is stored in plain text.

    Reads every column of every table through SQL, so it works on PostgreSQL too (the file
    scanner ``tests.support.pii.find_plaintext`` sees SQLite files only); JSON is read with its
    ``\\u`` escapes decoded.
    """
    wanted = {s for s in secrets if s}
    meta = MetaData()
    meta.reflect(engine)
    hits = set()
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for col, value in row.items():
                    if value is None:
                        continue
                    text = json.dumps(value, ensure_ascii=False, default=str) \
                        if isinstance(value, (dict, list)) else str(value)
                    if any(s in text for s in wanted):
                        hits.add(f"{table.name}.{col}")
    return sorted(hits)
