"""Synthetic roster persons and feed records for the matching tests.

The rows are written through the shared warehouse builder (``tests/support/warehouse.py``):
pass it a ``Builder`` from ``building(ctx)``.
"""
from __future__ import annotations

import datetime as dt
import random

from tests.support.warehouse import PERIOD, REGION, Builder
from warehouse.identity import make_id

__all__ = ["PERIOD", "add_batch", "add_household", "fake_id", "populate_roster"]


def fake_id(seq: int, born: dt.date = dt.date(1980, 3, 14), male: bool = True) -> str:
    """A valid synthetic resident ID (never a real person's)."""
    return make_id(REGION, born, seq, male)


def add_household(b: Builder, household_no: str, township: str, village: str,
                  members: list[tuple[str, str, str]]) -> tuple[int, list[int]]:
    """A household and its (name, relation, raw id) members; returns ids."""
    hh = b.household(household_no, township=township, village=village, active=True)
    pids = [b.person(hh, name, raw, relation=relation, active=True).id
            for name, relation, raw in members]
    return hh.id, pids


def add_batch(b: Builder, department: str, rows: list[dict], status: str = "loaded",
              period: str = PERIOD, source_file: str | None = None) -> int:
    """A feed batch with rows of name, township, village, role and raw_id."""
    batch = b.batch(department, period, status, source_file or f"{department}_{period}.csv",
                    rows_read=len(rows), rows_loaded=len(rows))
    for i, row in enumerate(rows):
        b.record(batch, i + 2, row["name"], row.get("raw_id") or "", row.get("role", "person"),
                 township=row.get("township"), village=row.get("village"), fields={}, raw={},
                 flags=[])
    return batch.id


SURNAMES = ["张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
         "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "建", "国", "红", "云", "飞"]
PLACES = [("龙河镇", "三合村"), ("龙河镇", "新华村"), ("白鹤乡", "石桥村"), ("白鹤乡", "大坪村")]


def populate_roster(b: Builder, households: int, seed: int = 1) -> list[dict]:
    """Households of 1-4 synthetic members; returns one dict per person (with its raw ID)."""
    rnd = random.Random(seed)
    people = []
    for h in range(households):
        town, village = PLACES[h % len(PLACES)]
        surname = rnd.choice(SURNAMES)
        members = []
        for k in range(rnd.randint(1, 4)):
            born = dt.date(rnd.randint(1950, 2010), rnd.randint(1, 12), rnd.randint(1, 28))
            raw = make_id(REGION, born, 1000 * h + k, rnd.random() < 0.5)
            name = surname + "".join(rnd.choice(GIVEN) for _ in range(2))
            members.append((name, "户主" if k == 0 else "之子", raw))
        hid, pids = add_household(b, f"5002300{h:05d}", town, village, members)
        people += [{"person_id": p, "household_id": hid, "name": m[0], "relation": m[1],
                    "raw_id": m[2], "township": town, "village": village}
                   for p, m in zip(pids, members)]
    return people
