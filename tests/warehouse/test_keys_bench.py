"""How fast `keys rotate` re-seals rows (run with `make bench`)."""
import datetime as dt
import time

import pytest
from sqlalchemy import insert, select

from warehouse import keys
from warehouse.identity import make_id
from warehouse.models import FeedBatch, FeedRecord, Household, Person
from warehouse.sensitive import PHONE, identity_columns, sealed_pair

ROWS = 5000


@pytest.mark.bench
def test_rotation_throughput(ctx):
    vault = ctx.vault()
    born = dt.date(1970, 1, 1)
    with ctx.engine.begin() as conn:
        hh = conn.execute(insert(Household).values(household_no="1" * 15)
                          .returning(Household.id)).scalar_one()
        batch = conn.execute(insert(FeedBatch).values(
            department="health", period="2026-10", source_file="卫健_2026-10.csv",
            checksum="0" * 64, status="loaded").returning(FeedBatch.id)).scalar_one()
        people, records = [], []
        for n in range(ROWS):
            pid = make_id("500230", born + dt.timedelta(days=n // 400), n, male=n % 2 == 0)
            uid = f"p{n:031d}"
            people.append({"uid": uid, "household_id": hh, "name": f"人{n}",
                           **identity_columns(vault, "persons", uid, pid),
                           **sealed_pair(vault, PHONE, "persons", "phone_cipher", uid,
                                         f"138{n:08d}")})
            uid = f"r{n:031d}"
            records.append({"uid": uid, "batch_id": batch, "department": "health",
                            "period": "2026-10", "source_file": "卫健_2026-10.csv",
                            "source_row": n + 2, "record_hash": f"{n:032x}", "fields": {},
                            "raw": {}, "flags": [],
                            **identity_columns(vault, "feed_records", uid, pid)})
        conn.execute(insert(Person), people)
        conn.execute(insert(FeedRecord), records)
    start = time.perf_counter()
    report = keys.rotate(ctx.engine, ctx.home, batch_size=500)
    seconds = time.perf_counter() - start
    assert report.resealed == {"persons": ROWS, "feed_records": ROWS}
    with ctx.engine.connect() as conn:
        token = conn.execute(select(Person.id_cipher).limit(1)).scalar_one()
    assert token.split(".")[1] == report.new_key_id
    print(f"\n{ctx.engine.dialect.name}: rotated {2 * ROWS} rows in {seconds:.2f}s "
          f"({2 * ROWS / seconds:.0f} rows/s)")
