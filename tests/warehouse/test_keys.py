"""`shouwang keys rotate` on real rows in SQLite and PostgreSQL."""
import datetime as dt
import json

import pytest
from sqlalchemy import select

from shouwang.cli import main
from tests.support.pii import find_plaintext
from tests.support.warehouse import building
from warehouse import keys
from warehouse.crypto import ENV_KEY, KeyMissing, Vault, keyring_path, load_keyring
from warehouse.db import session_scope
from warehouse.identity import make_id
from warehouse.models import FeedRecord, MatchDecision, Person, RiskWarning
from warehouse.sensitive import PHONE, RESIDENT_ID, aad, identity_columns

BORN = dt.date(1984, 5, 17)
IDS = [make_id("500230", BORN, n, male=n % 2 == 0) for n in range(1, 6)]
PHONES = ["13800001111", "13900002222"]
TYPO = IDS[1][:8] + IDS[1][9] + IDS[1][8] + IDS[1][10:]  # two adjacent digits swapped
ROSTER_CELLS = [IDS[0], IDS[1], "1.10101E+17", IDS[2][:6] + IDS[2][8:17]]  # last: 15-digit
FEED_CELLS = [IDS[0], TYPO, "", IDS[3]]


DERIVED = [{"column": "match_decisions.record_signature", "from": "feed_records",
            "function": "tests.warehouse.test_keys:signature"}]


def signature(vault: Vault, record) -> str:
    """A keyed value derived from a feed record, like the portal's review signature."""
    return vault.blind("match_signature", f"{record.id_index or ''}|{record.name or ''}")


def populate(ctx) -> None:
    """A household with four members, a feed batch with four records, a lead, a decision."""
    with building(ctx) as b:
        hh = b.household("500230000100001", township="龙河镇")
        batch = b.batch("education", "2026-10", "loaded", "教育_2026-10.xlsx", checksum="0" * 64)
        for n, cell in enumerate(ROSTER_CELLS):
            b.person(hh, f"成员{n}", cell, phone=PHONES[n] if n < len(PHONES) else None,
                     uid=f"p{n:031d}")
        records = [b.record(batch, n + 3, f"学生{n}", cell, "student", guardian_id=IDS[4],
                            uid=f"r{n:031d}", record_hash=f"{n:032x}",
                            fields={"school": "实验小学", "enrollment_status": "辍学"})
                   for n, cell in enumerate(FEED_CELLS)]
        person = b.session.scalars(select(Person).order_by(Person.id)).first()
        lead = {"risk_type": "illness", "level": "red", "action": "identification",
                "reason": "大病"}
        b.warning("W1", f"lead:{records[3].id_index}", is_lead=True, **lead)
        b.warning("W2", f"hh:{hh.id}", household_id=hh.id, **lead)
        for signature_, decision in ((records[0].id_index, "accept"),
                                     (signature(b.vault, records[3]), "reject")):
            b.add(MatchDecision(record_signature=signature_, person_id=person.id,
                                decision=decision, decided_by="王"))


def assert_all_under(ctx, vault: Vault, old_ids: set[str]) -> None:
    """Every token opens under ``vault``'s key, none names an old key, every index is fresh."""
    with session_scope(ctx.engine) as s:
        people = s.scalars(select(Person).order_by(Person.id)).all()
        records = s.scalars(select(FeedRecord).order_by(FeedRecord.id)).all()
        warnings = {w.code: w for w in s.scalars(select(RiskWarning))}
        decisions = s.scalars(select(MatchDecision).order_by(MatchDecision.id)).all()
    tokens = []
    for table, rows, cells in (("persons", people, ROSTER_CELLS), ("feed_records", records, FEED_CELLS)):
        for row, cell in zip(rows, cells):
            expected = identity_columns(vault, table, row.uid, cell)
            if row.id_cipher:
                # id_cipher holds the cleaned cell; the cells above are already clean.
                where = aad(table, "id_cipher", row.uid)
                assert vault.open(RESIDENT_ID, row.id_cipher, where) == cell
                tokens.append(row.id_cipher)
            for col in ("id_index", "id_key0", "id_key1", "id_key2", "id_key3"):
                assert getattr(row, col) == expected[col], f"{table}.{col} not recomputed"
    for person, phone in zip(people, PHONES):
        assert vault.open(PHONE, person.phone_cipher, aad("persons", "phone_cipher", person.uid)) == phone
        assert person.phone_index == vault.blind(PHONE, phone)
        tokens.append(person.phone_cipher)
    for r in records:
        where = aad("feed_records", "fields.guardian_id_cipher", r.uid)
        assert vault.open(RESIDENT_ID, r.fields["guardian_id_cipher"], where) == IDS[4]
        assert r.fields["guardian_id_index"] == vault.blind(RESIDENT_ID, IDS[4])
        assert r.fields["school"] == "实验小学"
        tokens.append(r.fields["guardian_id_cipher"])
    assert warnings["W1"].subject_key == f"lead:{vault.blind(RESIDENT_ID, IDS[3])}"
    assert warnings["W2"].subject_key.startswith("hh:")
    assert decisions[0].record_signature == vault.blind(RESIDENT_ID, IDS[0])
    assert decisions[1].record_signature == signature(vault, records[3])
    assert all(Vault.token_key_id(t) == vault.key_id for t in tokens)
    assert not any(t.split(".")[1] in old_ids for t in tokens)
    # The swapped-digit record still meets its roster person through a shared typo key.
    typo_keys = {records[1].id_key0, records[1].id_key1, records[1].id_key2, records[1].id_key3}
    assert typo_keys & {people[1].id_key0, people[1].id_key1, people[1].id_key2, people[1].id_key3}


def county_config(home) -> str:
    """A county settings file that points rotation at this test's derived signature."""
    path = home / "county.yaml"
    path.write_text(json.dumps({"keys": {"derived": DERIVED}}))  # JSON is YAML
    return path


def test_missing_derived_function_is_reported_not_fatal(ctx):
    populate(ctx)
    missing = [{"column": "match_decisions.record_signature", "function": "no_such_room.x:f"}]
    report = keys.rotate(ctx.engine, ctx.home, batch_size=500, derived=missing)
    assert report.skipped == ["match_decisions.record_signature: no_such_room.x:f not importable"]
    assert report.unmapped["match_decisions.record_signature"] == 1
    assert any("not recomputed" in line for line in report.lines())


def use_key_file(monkeypatch, home) -> Vault:
    """Do what the operator is told: put the new key from the key file into the secret."""
    active = json.loads(keyring_path(home).read_text())["active"]
    monkeypatch.setenv(ENV_KEY, active)
    return Vault(load_keyring(home))


def test_rotate_reseals_reindexes_and_retires(ctx, monkeypatch, capsys):
    populate(ctx)
    old = ctx.vault()
    assert_all_under(ctx, old, set())
    monkeypatch.setenv("SHOUWANG_CONFIG", str(county_config(ctx.home)))
    assert main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), "keys", "rotate",
                 "--batch-size", "2"]) == 0
    out = capsys.readouterr().out
    assert "re-sealed 4 rows of persons" in out and "re-sealed 4 rows of feed_records" in out
    assert f"{ENV_KEY} still holds the retired key" in out and str(keyring_path(ctx.home)) in out
    assert not any(i in out for i in IDS + PHONES)
    with pytest.raises(KeyMissing, match="retired"):
        ctx.vault()
    new = use_key_file(monkeypatch, ctx.home)
    assert new.key_id != old.key_id
    stored = json.loads(keyring_path(ctx.home).read_text())
    assert stored["older"] == {} and old.key_id in stored["retired"]
    assert_all_under(ctx, new, {old.key_id})

    # Twice is harmless: a second rotation moves everything again and still decrypts.
    assert main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), "keys", "rotate"]) == 0
    newest = use_key_file(monkeypatch, ctx.home)
    assert_all_under(ctx, newest, {old.key_id, new.key_id})


def test_rotate_with_a_key_file_and_no_env(ctx, monkeypatch):
    monkeypatch.delenv(ENV_KEY)
    ctx.vault(create=True)
    populate(ctx)
    old = ctx.vault()
    report = keys.rotate(ctx.engine, ctx.home, batch_size=500, derived=DERIVED)
    assert not report.from_env and report.retired_key_ids == [old.key_id]
    assert report.remapped == {"match_decisions.record_signature": 2, "warnings.subject_key": 1}
    assert not any(report.unmapped.values()) and not report.unrecoverable
    assert_all_under(ctx, ctx.vault(), {old.key_id})
    files = [ctx.home] + ([ctx.engine.url.database] if ctx.warehouse.startswith("sqlite") else [])
    assert find_plaintext(files, IDS + PHONES) == []


def test_interrupted_rotation_resumes_to_the_same_key(ctx, monkeypatch):
    populate(ctx)
    old = ctx.vault()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    # The crash comes after re-sealing, before references are remapped: the worst moment.
    monkeypatch.setattr(keys, "_remap", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        keys.rotate(ctx.engine, ctx.home, batch_size=1, derived=DERIVED)
    monkeypatch.undo()
    half = json.loads(keyring_path(ctx.home).read_text())
    assert old.key_id in half["older"], "old key must survive a crash"
    report = keys.rotate(ctx.engine, ctx.home, batch_size=1, derived=DERIVED)
    # Every sealed table was done before the crash: nothing is resealed twice
    assert report.resumed and {"persons", "feed_records"} <= set(report.resealed)
    assert not any(report.resealed.values()), report.resealed
    assert report.new_key_id == Vault(load_keyring(ctx.home, {})).key_id
    assert_all_under(ctx, use_key_file(monkeypatch, ctx.home), {old.key_id})


def test_ciphertext_columns_are_discovered_from_the_models():
    found = {spec.table.name: spec.ciphers for spec in keys.cipher_tables()}
    assert set(found["persons"]) == {"id_cipher", "phone_cipher"}
    assert found["feed_records"] == ["id_cipher"]
    indexes = {spec.table.name: spec.indexes for spec in keys.cipher_tables()}
    assert set(indexes["persons"]) == {"id_index", "id_key0", "id_key1", "id_key2", "id_key3",
                                       "phone_index"}
    refs = {f"{t.name}.{c}" for t, c in keys.blind_references()}
    assert refs == {"warnings.subject_key", "match_decisions.record_signature"}


def test_orphan_index_without_ciphertext_is_reported(ctx):
    populate(ctx)
    with session_scope(ctx.engine) as s:
        record = s.scalars(select(FeedRecord).order_by(FeedRecord.id)).first()
        record.fields = {**record.fields, "mother_id_index": "ab" * 16}
    report = keys.rotate(ctx.engine, ctx.home, batch_size=500)
    assert report.unrecoverable == {"feed_records.fields.mother_id_index": 1}
    assert any("could not be recomputed" in line for line in report.lines())
