"""The one way sensitive cells become stored columns."""
import datetime as dt
import os

import pytest

from warehouse import identity
from warehouse.crypto import Keyring, Vault
from warehouse.identity import make_id
from warehouse.masking import mask_id
from warehouse.sensitive import (
    PHONE,
    RESIDENT_ID,
    aad,
    identity_columns,
    purpose_of,
    sealed_pair,
)

ID = make_id("500230", dt.date(1990, 3, 7), 12, male=True)


@pytest.fixture
def vault():
    return Vault(Keyring(active=os.urandom(32)))


def test_identity_columns_of_a_valid_id(vault):
    cols = identity_columns(vault, "persons", "u1", " " + ID.translate(str.maketrans("0", "０")))
    assert vault.open(RESIDENT_ID, cols["id_cipher"], aad("persons", "id_cipher", "u1")) == ID
    assert cols["id_index"] == vault.blind(RESIDENT_ID, ID)
    assert [cols[f"id_key{i}"] for i in range(4)] == list(vault.typo_keys(identity.parse(ID)))
    assert (cols["id_status"], cols["id_region"], cols["sex"]) == ("ok", "500230", "男")
    assert cols["birth_date"] == dt.date(1990, 3, 7) and cols["id_masked"] == mask_id(ID)


def test_invalid_id_keeps_the_cleaned_cell_sealed_without_index(vault):
    cell = "1.10101E+17"
    cols = identity_columns(vault, "feed_records", "u2", cell)
    assert vault.open(RESIDENT_ID, cols["id_cipher"], aad("feed_records", "id_cipher", "u2")) == cell
    assert cols["id_index"] is None and cols["id_status"] == identity.EXCEL_PRECISION
    blank = identity_columns(vault, "feed_records", "u3", None)
    assert blank["id_cipher"] is None and blank["id_status"] == identity.BLANK


def test_phone_and_json_member_pairs(vault):
    phone = sealed_pair(vault, PHONE, "persons", "phone_cipher", "u1", "138 1234 5678")
    assert vault.open(PHONE, phone["phone_cipher"], "persons.phone_cipher:u1") == "13812345678"
    assert phone["phone_index"] == vault.blind(PHONE, "13812345678")
    guardian = sealed_pair(vault, RESIDENT_ID, "feed_records", "fields.guardian_id_cipher", "u9", ID)
    where = "feed_records.fields.guardian_id_cipher:u9"
    assert vault.open(RESIDENT_ID, guardian["guardian_id_cipher"], where) == ID
    assert guardian["guardian_id_index"] == vault.blind(RESIDENT_ID, ID)
    assert sealed_pair(vault, PHONE, "persons", "phone_cipher", "u1", "") == {
        "phone_cipher": None, "phone_index": None}


def test_purpose_of_columns():
    assert purpose_of("id_cipher") == purpose_of("guardian_id_cipher") == RESIDENT_ID
    assert purpose_of("phone_cipher") == PHONE
    assert purpose_of("bank_cipher", {"purpose": "bank_account"}) == "bank_account"
    with pytest.raises(ValueError, match="info=\\{'purpose'"):
        purpose_of("bank_cipher")
