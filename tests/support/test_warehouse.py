"""The shared warehouse builder stores IDs and phones exactly as the roster load and ingest do,
and every room's seed leaves no blind index without the ciphertext key rotation needs."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.matching.factory import add_batch, populate_roster
from tests.portal.conftest import seed_warehouse
from tests.screening.factory import County
from tests.support.warehouse import building, plaintext_columns
from warehouse import identity
from warehouse.masking import mask_id
from warehouse.models import FeedRecord, Person
from warehouse.sensitive import RESIDENT_ID, aad, clean_phone

PHONE = "13800001234"


def test_a_person_and_a_record_are_sealed_as_the_warehouse_stores_them(ctx):
    with building(ctx) as b:
        rid = b.ids.new(dt.date(1980, 5, 6), male=False)
        hh = b.household("500230000000001", township="龙河镇", village="双河村")
        person = b.person(hh, "王芳", rid, phone=PHONE, relation="户主")
        rec = b.record(b.batch("health"), 3, "王芳", rid)
        blank = b.record(b.batch("hr"), 3, "李四", "")
    vault = ctx.vault()
    parsed = identity.parse(rid)
    with ctx.engine.connect() as conn:
        p = conn.execute(select(Person).where(Person.id == person.id)).mappings().one()
        r = conn.execute(select(FeedRecord).where(FeedRecord.id == rec.id)).mappings().one()
        blank_row = conn.execute(select(FeedRecord).where(FeedRecord.id == blank.id)).mappings().one()
    assert vault.open(RESIDENT_ID, p["id_cipher"], aad("persons", "id_cipher", p["uid"])) == rid
    assert vault.open(RESIDENT_ID, r["id_cipher"], aad("feed_records", "id_cipher", r["uid"])) == rid
    for row in (p, r):
        assert row["id_index"] == vault.blind(RESIDENT_ID, rid)
        assert [row[f"id_key{i}"] for i in range(4)] == list(vault.typo_keys(parsed))
        assert (row["id_status"], row["sex"], row["birth_date"]) == (parsed.status, "女",
                                                                     dt.date(1980, 5, 6))
        assert row["id_masked"] == mask_id(rid)
    assert vault.open("phone", p["phone_cipher"], aad("persons", "phone_cipher", p["uid"])) == PHONE
    assert p["phone_index"] == vault.blind("phone", clean_phone(PHONE))
    # A blank cell is kept as the ingest keeps it: a status, nothing sealed or indexed.
    assert blank_row["id_cipher"] is None and blank_row["id_index"] is None
    assert blank_row["id_status"] == identity.parse("").status
    assert plaintext_columns(ctx.engine, [rid, PHONE]) == []


def _unsealed_indexes(ctx) -> list[str]:
    """Rows whose ``id_index`` has no ciphertext opening to an ID with that very index."""
    vault = ctx.vault()
    bad = []
    with ctx.engine.connect() as conn:
        for model, table in ((Person, "persons"), (FeedRecord, "feed_records")):
            rows = conn.execute(select(model.id, model.uid, model.id_cipher, model.id_index)
                                .where(model.id_index.is_not(None)))
            for row_id, uid, cipher, index in rows:
                plain = cipher and vault.open(RESIDENT_ID, cipher, aad(table, "id_cipher", uid))
                if not plain or vault.blind(RESIDENT_ID, identity.parse(plain).value) != index:
                    bad.append(f"{table}#{row_id}")
    return bad


def test_every_rooms_seed_keeps_each_index_beside_its_ciphertext(ctx):
    seed = seed_warehouse(ctx)  # the portal's
    county = County(ctx)  # screening's (and the DAG tests')
    hh = county.household("500230000000901")
    county.record(county.batch("health"), {"disease_category": "大病"}, person=(hh, 0))
    with building(ctx) as b:  # matching's
        people = populate_roster(b, households=3, seed=2)
        add_batch(b, "water", [{"name": p["name"], "raw_id": p["raw_id"]} for p in people])
    assert _unsealed_indexes(ctx) == []
    secrets = seed.plain_ids + county.plain_ids + [p["raw_id"] for p in people]
    assert plaintext_columns(ctx.engine, secrets) == []
