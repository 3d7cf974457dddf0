"""The fast roster path stores what the row-by-row path stored, chunked or not, on both databases."""
import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from connectors import roster
from connectors.normalize import parse_id
from connectors.sealing import identity_columns
from shouwang.context import Context
from tests.connectors import factory as f
from warehouse import identity, sensitive
from warehouse.crypto import Keyring, Vault
from warehouse.db import migrate
from warehouse.identity import make_id
from warehouse.models import FeedBatch, Household, HouseholdHistory, Person, Region, new_uids

VAULT = Vault(Keyring(active=b"k" * 32))
RID = next(r for r in (make_id("500230", dt.date(1984, 7, 9), s, False) for s in range(200))
           if r[-1].isdigit())
RID_X = next(r for r in (make_id("500230", dt.date(1961, 2, 3), s, True) for s in range(200))
             if r.endswith("X"))
CELLS = [
    RID, RID_X, RID_X.lower(), f" {RID[:9]} {RID[9:]} ", RID + ".0", RID[:6] + RID[8:17],
    RID[:17] + str((int(RID[17]) + 1) % 10), RID[:15] + "000", f"{float(RID[:17]) * 10:.14E}",
    "1.10101E+17", RID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), RID[:16],
    "11010119900230123X", "99" + RID[2:], "", "  ", "abc", RID + RID,
]


def _reference(vault: Vault, uid: str, cell) -> dict:
    """identity_columns as it was: parse the cleaned text, the reader's status wins if it differs."""
    out = sensitive.identity_columns(vault, "persons", uid, cell.cleaned)
    parsed = cell.parsed
    if parsed.status != out["id_status"]:
        out.update(id_status=parsed.status, id_region=parsed.region, birth_date=parsed.birth_date,
                   sex=parsed.sex, id_index=(vault.blind("resident_id", parsed.value)
                                             if parsed.valid else None),
                   **{f"id_key{i}": k for i, k in enumerate(vault.typo_keys(parsed))})
    return out


def _opened(cols: dict, uid: str) -> dict:
    token = cols.pop("id_cipher")
    cols["id_plain"] = VAULT.open("resident_id", token, f"persons.id_cipher:{uid}") if token \
        else None
    return cols


@pytest.mark.parametrize("excel_number", [False, True])
@pytest.mark.parametrize("raw", CELLS)
def test_identity_columns_match_the_parse_everything_again_path(raw, excel_number):
    cell = parse_id(raw, excel_number=excel_number)
    assert _opened(identity_columns(VAULT, "persons", "u1", cell), "u1") == \
        _opened(_reference(VAULT, "u1", cell), "u1")


def test_mask_id_drops_whitespace_as_before():
    assert identity.clean(" 5002 30\u3000") == "500230"
    from warehouse.masking import mask_id
    assert mask_id(f"{RID[:9]}\t {RID[9:]}\n") == RID[:6] + "********" + RID[-4:]
    assert mask_id("12 34\u200a5") == "*****" and mask_id("1234\u2028") == "****"


def _messy_rows(persons):
    rows = f.roster_rows(persons)
    for i, row in enumerate(rows):
        rid = row["身份证号"]
        row["身份证号"] = [rid, rid[:6] + rid[8:17], rid[:15] + "000", "", rid + ".0",
                          rid[:17] + str((int(rid[17]) + 1) % 10) if rid[17] != "X" else rid][i % 6]
    return rows


def _contents(ctx) -> dict:
    """Roster tables with ciphertexts opened and per-run values (uids, times) left out."""
    vault = ctx.vault()
    with ctx.engine.connect() as conn:
        out = {m.__tablename__: [dict(r._mapping) for r in conn.execute(
            select(m.__table__).order_by(m.__table__.c.id))]
            for m in (Region, Household, HouseholdHistory, Person)}
        out["batches"] = [tuple(r) for r in conn.execute(select(
            FeedBatch.id, FeedBatch.status, FeedBatch.rows_loaded).order_by(FeedBatch.id))]
    for row in out["households"]:
        row.pop("updated_at", None), row.pop("created_at", None)
    for row in out["household_history"]:
        row["valid_to"] = row["valid_to"] is None
        row.pop("valid_from")
    for row in out["persons"]:
        uid = row.pop("uid")
        for col, purpose in (("id_cipher", "resident_id"), ("phone_cipher", "phone")):
            if row[col]:
                row[col] = vault.open(purpose, row[col], f"persons.{col}:{uid}")
    return out


def _second_warehouse(request, ctx, tmp_path) -> Context:
    if ctx.engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'second.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"t_{uuid.uuid4().hex[:12]}")
    migrate(url)
    return Context(warehouse=url, home=ctx.home)


def _load_twice(ctx, tmp_path, name):
    persons = f.people(40, seed=11)
    first = roster.load_roster(ctx, f.write_csv(tmp_path / f"{name}1.csv", _messy_rows(persons)))
    newer = _messy_rows(persons[:34])
    newer[2]["联系电话"], newer[5]["劳动能力"], newer[7]["身份证号"] = "13900009999", "丧失劳动力", ""
    newer[9]["户类型"] = "突发严重困难户"
    second = roster.load_roster(ctx, f.write_xlsx(tmp_path / f"{name}2.xlsx", newer))
    third = roster.load_roster(ctx, f.write_csv(tmp_path / f"{name}3.csv", newer, "gb18030"))
    return [(r.rows_loaded, r.persons_added, r.persons_updated, r.persons_deactivated,
             r.households_added, r.households_updated, r.households_deactivated)
            for r in (first, second, third)]


def test_chunked_person_writes_store_what_one_chunk_stores(ctx, tmp_path, request, monkeypatch):
    whole = _load_twice(ctx, tmp_path, "a")
    other = _second_warehouse(request, ctx, tmp_path)
    try:
        monkeypatch.setattr(roster, "PERSON_CHUNK", 7)
        chunked = _load_twice(other, tmp_path, "b")
        assert chunked == whole
        # 6 persons left with their household; one whose ID went blank is a new person;
        # a phone and a labour capacity changed.
        assert whole[0][1] == 40 and whole[1][1:4] == (1, 2, 7)
        assert _contents(other) == _contents(ctx)
    finally:
        other.engine.dispose()


def test_a_reload_marks_every_unchanged_person_seen_by_the_new_batch(ctx, tmp_path):
    rows = f.roster_rows(f.people(12, seed=3))
    roster.load_roster(ctx, f.write_csv(tmp_path / "a.csv", rows, "gb18030"))
    again = roster.load_roster(ctx, f.write_csv(tmp_path / "b.csv", rows, "utf-8"))
    assert (again.persons_added, again.persons_updated) == (0, 0)
    with ctx.engine.connect() as conn:
        seen = set(conn.execute(select(Person.last_seen_batch_id)).scalars())
    assert seen == {again.batch_id}


def test_person_uids_are_uuid4_hex():
    uids = new_uids(200)
    assert len(set(uids)) == 200
    for uid in uids:
        parsed = uuid.UUID(hex=uid)
        assert (parsed.hex, parsed.version, parsed.variant) == (uid, 4, uuid.RFC_4122)
