"""Synthetic roster households, feed batches, records and links written straight to the warehouse.

The matching room writes links in production; these tests write the rows themselves, with
synthetic IDs (``make_id``) sealed and blind-indexed the way the warehouse stores them.
"""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

from warehouse.db import session_scope
from warehouse.identity import make_id
from warehouse.sensitive import identity_columns
from warehouse.models import FeedBatch, FeedRecord, Household, Link, Person

PERIOD = "2026-10"
ARRIVED = dt.datetime(2026, 10, 9, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in the county


class County:
    """Writes a small synthetic county into ``ctx``'s warehouse."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.vault = ctx.vault()
        self._seq = itertools.count(1)
        self._rows: dict[int, itertools.count] = {}
        self.plain_ids: list[str] = []  # every synthetic ID written, to prove none leaks

    def new_id(self, birth: dt.date = dt.date(1970, 3, 4)) -> str:
        """A fresh valid synthetic resident ID."""
        value = make_id("500230", birth, next(self._seq), male=True)
        self.plain_ids.append(value)
        return value

    def _identity(self, table: str, resident_id: str | None) -> dict:
        uid = uuid.uuid4().hex
        if not resident_id:
            return {"uid": uid}
        return {"uid": uid, **identity_columns(self.vault, table, uid, resident_id)}

    def household(self, no: str, township: str = "龙河镇", village: str = "双河村",
                  risk_status: str | None = "风险未消除", household_type: str = "脱贫不稳定户",
                  head: str = "张三", members: tuple[tuple[str, dt.date], ...] = ()) -> dict:
        """A roster household with its head (and members): ids of the household and persons."""
        with session_scope(self.ctx.engine) as s:
            hh = Household(household_no=no, county="示范县", township=township, village=village,
                           household_type=household_type, risk_status=risk_status,
                           income_per_capita=15000.0, size=1 + len(members))
            s.add(hh)
            s.flush()
            people = [(head, "户主", dt.date(1970, 3, 4))] + [(n, "之子", b) for n, b in members]
            ids = []
            for name, relation, birth in people:
                p = Person(household_id=hh.id, name=name, relation=relation,
                           **self._identity("persons", self.new_id(birth)))
                s.add(p)
                s.flush()
                ids.append(p.id)
            return {"household_id": hh.id, "persons": ids, "no": no}

    def batch(self, department: str, period: str = PERIOD, arrived_at: dt.datetime = ARRIVED,
              status: str = "loaded", source_file: str | None = None) -> int:
        """A feed batch of one department and period."""
        with session_scope(self.ctx.engine) as s:
            b = FeedBatch(department=department, period=period,
                          source_file=source_file or f"{department}_{period}.xlsx",
                          checksum=uuid.uuid4().hex, status=status, arrived_at=arrived_at,
                          loaded_at=arrived_at)
            s.add(b)
            s.flush()
            self._rows[b.id] = itertools.count(3)  # a title row and a header row above the data
            return b.id

    def record(self, batch_id: int, fields: dict, person: tuple[dict, int] | None = None,
               link: str = "auto", name: str = "李四", resident_id: str | None = "new",
               township: str = "龙河镇", village: str = "双河村",
               birth: dt.date = dt.date(1980, 1, 1)) -> int:
        """One loaded record; linked to ``person`` (household dict, member index) with ``link``."""
        if resident_id == "new":
            resident_id = self.new_id(birth)
        with session_scope(self.ctx.engine) as s:
            b = s.get(FeedBatch, batch_id)
            rec = FeedRecord(batch_id=batch_id, department=b.department, period=b.period,
                             source_file=b.source_file, source_row=next(self._rows[batch_id]),
                             role="person", name=name, township=township, village=village,
                             record_hash=uuid.uuid4().hex, fields=fields, raw={},
                             **self._identity("feed_records", resident_id))
            s.add(rec)
            s.flush()
            if link is not None:
                hh, member = person if person else (None, None)
                s.add(Link(record_id=rec.id, status=link,
                           household_id=hh["household_id"] if hh else None,
                           person_id=hh["persons"][member] if hh else None,
                           probability=0.99 if hh else 0.0))
            return rec.id
