"""Synthetic roster households, feed batches, records and links for the screening tests.

The matching room writes links in production; these tests write the rows themselves through
the shared warehouse builder (``tests/support/warehouse.py``), IDs sealed as stored.
"""
from __future__ import annotations

import datetime as dt
import itertools

from tests.support.warehouse import PERIOD, Builder, SyntheticIds
from warehouse.db import session_scope
from warehouse.models import FeedBatch

ARRIVED = dt.datetime(2026, 10, 9, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in the county

__all__ = ["ARRIVED", "PERIOD", "County"]


class County:
    """Writes a small synthetic county into ``ctx``'s warehouse, one transaction per call."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.vault = ctx.vault()
        self.ids = SyntheticIds()
        self._rows: dict[int, itertools.count] = {}

    @property
    def plain_ids(self) -> list[str]:
        """Every synthetic ID written, to prove none leaks."""
        return self.ids.plain

    def new_id(self, birth: dt.date = dt.date(1970, 3, 4)) -> str:
        """A fresh valid synthetic resident ID."""
        return self.ids.new(birth)

    def _builder(self, s) -> Builder:
        return Builder(s, self.vault, self.ids)

    def household(self, no: str, township: str = "龙河镇", village: str = "双河村",
                  risk_status: str | None = "风险未消除", household_type: str = "脱贫不稳定户",
                  head: str = "张三", members: tuple[tuple[str, dt.date], ...] = ()) -> dict:
        """A roster household with its head (and members): ids of the household and persons."""
        with session_scope(self.ctx.engine) as s:
            b = self._builder(s)
            hh = b.household(no, county="示范县", township=township, village=village,
                             household_type=household_type, risk_status=risk_status,
                             income_per_capita=15000.0, size=1 + len(members))
            people = [(head, "户主", dt.date(1970, 3, 4))] + [(n, "之子", d) for n, d in members]
            ids = [b.person(hh, name, self.new_id(birth), relation=relation).id
                   for name, relation, birth in people]
            return {"household_id": hh.id, "persons": ids, "no": no}

    def batch(self, department: str, period: str = PERIOD, arrived_at: dt.datetime = ARRIVED,
              status: str = "loaded", source_file: str | None = None) -> int:
        """A feed batch of one department and period."""
        with session_scope(self.ctx.engine) as s:
            bid = self._builder(s).batch(department, period, status, source_file,
                                         arrived_at=arrived_at, loaded_at=arrived_at).id
            self._rows[bid] = itertools.count(3)  # a title row and a header row above the data
            return bid

    def record(self, batch_id: int, fields: dict, person: tuple[dict, int] | None = None,
               link: str = "auto", name: str = "李四", resident_id: str | None = "new",
               township: str = "龙河镇", village: str = "双河村",
               birth: dt.date = dt.date(1980, 1, 1)) -> int:
        """One loaded record; linked to ``person`` (household dict, member index) with ``link``."""
        if resident_id == "new":
            resident_id = self.new_id(birth)
        with session_scope(self.ctx.engine) as s:
            b = self._builder(s)
            rec = b.record(s.get(FeedBatch, batch_id), next(self._rows[batch_id]), name,
                           resident_id or None, township=township, village=village,
                           fields=fields, raw={})
            if link is not None:
                hh, member = person if person else (None, None)
                b.link(rec, hh["persons"][member] if hh else None,
                       hh["household_id"] if hh else None, status=link,
                       probability=0.99 if hh else 0.0)
            return rec.id
