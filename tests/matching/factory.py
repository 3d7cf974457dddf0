"""Synthetic roster persons and feed records written through the Vault, for matching tests."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert

from warehouse.identity import make_id
from warehouse.models import FeedBatch, FeedRecord, Household, Person
from warehouse.sensitive import identity_columns

PERIOD = "2026-10"


def fake_id(seq: int, born: dt.date = dt.date(1980, 3, 14), male: bool = True) -> str:
    """A valid synthetic resident ID (never a real person's)."""
    return make_id("500230", born, seq, male)


def add_household(conn, vault, household_no: str, township: str, village: str,
                  members: list[tuple[str, str, str]]) -> tuple[int, list[int]]:
    """Insert a household and its (name, relation, raw id) members; returns ids."""
    hid = conn.execute(insert(Household).values(
        household_no=household_no, township=township, village=village, active=True,
    ).returning(Household.id)).scalar_one()
    pids = []
    for name, relation, raw in members:
        uid = uuid.uuid4().hex
        cols = identity_columns(vault, "persons", uid, raw)
        pids.append(conn.execute(insert(Person).values(
            uid=uid, household_id=hid, name=name, relation=relation, active=True, **cols,
        ).returning(Person.id)).scalar_one())
    return hid, pids


def add_batch(conn, vault, department: str, rows: list[dict], status: str = "loaded",
              period: str = PERIOD, source_file: str | None = None) -> int:
    """Insert a feed batch with rows of name, township, village, role and raw_id."""
    source_file = source_file or f"{department}_{period}.csv"
    bid = conn.execute(insert(FeedBatch).values(
        department=department, period=period, source_file=source_file,
        checksum=uuid.uuid4().hex, status=status, rows_read=len(rows), rows_loaded=len(rows),
    ).returning(FeedBatch.id)).scalar_one()
    for i, row in enumerate(rows):
        uid = uuid.uuid4().hex
        conn.execute(insert(FeedRecord).values(
            uid=uid, batch_id=bid, department=department, period=period,
            source_file=source_file, source_row=i + 2, role=row.get("role", "person"),
            name=row["name"], township=row.get("township"), village=row.get("village"),
            record_hash=uuid.uuid4().hex, fields={}, raw={}, flags=[],
            **identity_columns(vault, "feed_records", uid, row.get("raw_id")),
        ))
    return bid


SURNAMES = ["张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
         "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "建", "国", "红", "云", "飞"]
PLACES = [("龙河镇", "三合村"), ("龙河镇", "新华村"), ("白鹤乡", "石桥村"), ("白鹤乡", "大坪村")]


def populate_roster(conn, vault, households: int, seed: int = 1) -> list[dict]:
    """Households of 1-4 synthetic members; returns one dict per person (with its raw ID)."""
    import random

    rnd = random.Random(seed)
    people = []
    for h in range(households):
        town, village = PLACES[h % len(PLACES)]
        surname = rnd.choice(SURNAMES)
        members = []
        for k in range(rnd.randint(1, 4)):
            born = dt.date(rnd.randint(1950, 2010), rnd.randint(1, 12), rnd.randint(1, 28))
            raw = make_id("500230", born, 1000 * h + k, rnd.random() < 0.5)
            name = surname + "".join(rnd.choice(GIVEN) for _ in range(2))
            members.append((name, "户主" if k == 0 else "之子", raw))
        hid, pids = add_household(conn, vault, f"5002300{h:05d}", town, village, members)
        people += [{"person_id": p, "household_id": hid, "name": m[0], "relation": m[1],
                    "raw_id": m[2], "township": town, "village": village}
                   for p, m in zip(pids, members)]
    return people
