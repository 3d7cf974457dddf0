"""Stored identity columns follow architecture.md and open only on their own row."""
import datetime as dt

import pytest

from connectors.normalize import parse_id
from connectors.sealing import identity_columns
from warehouse.crypto import DecryptError, Keyring, Vault
from warehouse import identity
from warehouse.identity import make_id

VAULT = Vault(Keyring(active=b"k" * 32))
RID = make_id("500230", dt.date(1984, 7, 9), 42, False)


def test_a_valid_id_is_sealed_to_its_row_with_index_and_typo_keys():
    cols = identity_columns(VAULT, "feed_records", "u1", parse_id(RID))
    assert VAULT.open("resident_id", cols["id_cipher"], "feed_records.id_cipher:u1") == RID
    with pytest.raises(DecryptError):
        VAULT.open("resident_id", cols["id_cipher"], "feed_records.id_cipher:u2")
    assert cols["id_index"] == VAULT.blind("resident_id", RID)
    assert all(cols[f"id_key{i}"] for i in range(4))
    assert (cols["id_status"], cols["sex"], cols["birth_date"]) == ("ok", "女", dt.date(1984, 7, 9))
    assert cols["id_masked"] == RID[:6] + "********" + RID[-4:]


def test_an_excel_number_keeps_its_status_even_if_the_mangled_digits_pass_the_check():
    # Find an ID whose 000-mangled form happens to pass the check digit.
    candidates = (make_id("500230", dt.date(1990, 1, 1), s, True) for s in range(3000))
    rid = next(r for r in candidates if identity.parse(r[:15] + "000").valid)
    cols = identity_columns(VAULT, "feed_records", "u3", parse_id(rid[:15] + "000",
                                                                  excel_number=True))
    assert cols["id_status"] == "id_excel_precision_lost" and cols["id_index"] is None
    assert cols["birth_date"] == dt.date(1990, 1, 1)
    assert VAULT.open("resident_id", cols["id_cipher"], "feed_records.id_cipher:u3") == \
        rid[:15] + "000"


def test_a_blank_cell_stores_nothing_but_its_status():
    cols = identity_columns(VAULT, "feed_records", "u4", parse_id(""))
    assert cols["id_cipher"] is None and cols["id_index"] is None
    assert cols["id_status"] == "id_blank"
