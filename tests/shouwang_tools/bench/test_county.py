"""The generated county: persons and noisy records with truth, IDs only as blind keys."""
import os

from shouwang_tools.bench.county import generate
from warehouse.crypto import Keyring, Vault


def test_generated_county_has_noise_strangers_and_no_plain_ids():
    county = generate(Vault(Keyring(active=os.urandom(32))), {"households": 80, "seed": 3})
    records, persons = county.records, county.persons
    assert len(county.truth) == len(records) and len(persons) >= 80
    assert any(v is None for v in county.truth.values())  # strangers
    assert set(county.truth.values()) - {None} <= set(persons["person_key"])
    assert "raw_id" not in records.columns and "id_cipher" not in records.columns
    assert (records["id_status"] != "ok").any()  # mangled IDs occur
    assert records["name"].str.contains(" ").any()  # spaced names occur
    assert {"head", "person"} <= set(records["role"])
    assert records["id_index"].dropna().str.fullmatch(r"[0-9a-f]{32}").all()
