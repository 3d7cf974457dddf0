"""Field encryption and blind indexes: pinned format, round trips, tamper and key failures."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.warehouse.test_identity import VALID_IDS, identity_typos, valid_id_ending_000
from warehouse.crypto import (
    ENV_KEY,
    DecryptError,
    Keyring,
    KeyMissing,
    Vault,
    keyring_path,
    load_keyring,
)
from warehouse.identity import make_id, parse

MASTER = bytes(range(32))
NONCE = bytes(range(100, 112))
ID = make_id("500230", dt.date(1990, 3, 7), 12, male=True)
AAD = "persons.id_cipher:00000000000000000000000000000001"


@pytest.fixture
def vault():
    return Vault(Keyring(active=os.urandom(32)))


def hkdf(master: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(master)


def test_known_answer_vectors_pin_the_stored_format():
    """These literals are what databases hold: changing them breaks every stored row."""
    v = Vault(Keyring(active=MASTER))
    assert ID == "500230199003071217"
    assert v.key_id == "2a63fda3727c"
    assert v._seal("resident_id", ID, AAD, NONCE) == (
        "v1.2a63fda3727c.ZGVmZ2hpamtsbW5veHMB73wveqYQ9ECMX2zIWzAMduOKGNauU5cYrZ6Bxy94sg"
    )
    assert v.blind("resident_id", ID) == "71174f38e63c217d93790140dbaa45f3"
    assert v.blind("phone", "13800001111") == "af4d8528901f18b4d3559e158c1f155a"
    assert v.typo_keys(parse(ID)) == (
        "b3c345b6ab9c5f7848c35176ede59ca5",
        "ea439725c612ff91fe64af24d240797f",
        "d5671e016a513736bf1d8a3c3fe84b11",
        "dfe96f6f3bdfc05bbbf8d700eafbf601",
    )


def test_token_is_aes_gcm_under_an_hkdf_key_per_purpose():
    """Rebuild the pinned token from the primitives: HKDF per purpose, AAD = key id | row."""
    v = Vault(Keyring(active=MASTER))
    version, kid, body = v._seal("resident_id", ID, AAD, NONCE).split(".")
    blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert (version, kid, blob[:12]) == ("v1", v.key_id, NONCE)
    key = hkdf(MASTER, "aead/resident_id")
    assert AESGCM(key).decrypt(NONCE, blob[12:], f"{kid}|{AAD}".encode()).decode() == ID
    assert key != hkdf(MASTER, "aead/phone") != hkdf(MASTER, "blind/phone")
    blind_key = hkdf(MASTER, "blind/resident_id")
    expected = hmac.new(blind_key, ID.encode(), hashlib.sha256).hexdigest()[:32]
    assert v.blind("resident_id", ID) == expected
    assert v.blind("resident_id", ID) != v.blind("phone", ID)


def test_seal_uses_a_fresh_nonce(vault):
    assert vault.seal("resident_id", ID, AAD) != vault.seal("resident_id", ID, AAD)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=64), st.text(max_size=40))
def test_round_trip_any_text(text, uid):
    v = Vault(Keyring(active=MASTER))
    aad = f"persons.id_cipher:{uid}"
    token = v.seal("resident_id", text, aad)
    assert v.open("resident_id", token, aad) == text


@settings(max_examples=40, deadline=None)
@given(VALID_IDS, st.integers(min_value=0))
def test_flipped_byte_fails_to_open(valid, where):
    v = Vault(Keyring(active=MASTER))
    token = v.seal("resident_id", valid, AAD)
    head, body = token.rsplit(".", 1)
    blob = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    blob[where % len(blob)] ^= 0x01
    forged = head + "." + base64.urlsafe_b64encode(bytes(blob)).decode().rstrip("=")
    with pytest.raises(DecryptError, match="does not open"):
        v.open("resident_id", forged, AAD)


def test_token_moved_to_another_row_or_column_fails(vault):
    token = vault.seal("resident_id", ID, "persons.id_cipher:row-a")
    for aad in ("persons.id_cipher:row-b", "feed_records.id_cipher:row-a"):
        with pytest.raises(DecryptError, match="moved from another row"):
            vault.open("resident_id", token, aad)
    with pytest.raises(DecryptError):
        vault.open("phone", token, "persons.id_cipher:row-a")


def test_unknown_key_id_fails_clearly(vault):
    other = Vault(Keyring(active=os.urandom(32)))
    token = other.seal("resident_id", ID, AAD)
    with pytest.raises(DecryptError, match=f"no key with id {other.key_id}"):
        vault.open("resident_id", token, AAD)
    retired = Vault(Keyring(active=vault.keyring.active, retired=[other.key_id]))
    with pytest.raises(DecryptError, match="retired"):
        retired.open("resident_id", token, AAD)


def test_older_keys_still_open(vault):
    token = vault.seal("resident_id", ID, AAD)
    newer = Vault(Keyring(active=os.urandom(32), older={vault.key_id: vault.keyring.active}))
    assert newer.open("resident_id", token, AAD) == ID
    assert Vault.token_key_id(token) == vault.key_id


@pytest.mark.parametrize("garbage", ["", ID, "v1.x", "v2.2a63fda3727c.AAAA", f"v1.{ID}.AA",
                                     "v1.2a63fda3727c.!!!", "v1.2a63fda3727c.AAAA"])
def test_malformed_tokens_fail_without_echoing(garbage):
    v = Vault(Keyring(active=MASTER))
    with pytest.raises(DecryptError) as info:
        v.open("resident_id", garbage, AAD)
    assert ID not in str(info.value)


@settings(max_examples=40, deadline=None)
@given(VALID_IDS)
def test_typo_keys_of_every_typo_share_a_key_with_the_correct_id(valid):
    v = Vault(Keyring(active=MASTER))
    right = set(v.typo_keys(parse(valid)))
    assert None not in right and len(right) == 4
    for typo in identity_typos(valid):
        assert right & set(v.typo_keys(parse(typo))), "a one-typo ID lost every typo key"


def test_typos_of_an_id_ending_in_000_still_share_a_key():
    """Found by hypothesis: such a typo reads as Excel loss, and must still meet the ID."""
    v = Vault(Keyring(active=MASTER))
    valid = valid_id_ending_000()
    right = set(v.typo_keys(parse(valid)))
    for typo in identity_typos(valid):
        assert right & set(v.typo_keys(parse(typo))), typo


def test_excel_zeroed_id_shares_the_tail_window_key():
    v = Vault(Keyring(active=MASTER))
    keys = v.typo_keys(parse(ID[:15] + "000"))
    assert None not in keys
    assert keys[3] == v.typo_keys(parse(ID))[3], "the window masking the lost tail agrees"
    assert v.typo_keys(parse("1.10101E+17")) == (None,) * 4
    assert v.typo_keys(parse("")) == (None,) * 4


def test_keyring_from_environment(tmp_path):
    env = {ENV_KEY: base64.b64encode(MASTER).decode()}
    assert load_keyring(tmp_path, env).active == MASTER
    for bad in ("not base64 at all!", base64.b64encode(b"short").decode()):
        with pytest.raises(KeyMissing, match=ENV_KEY):
            load_keyring(tmp_path, {ENV_KEY: bad})


def test_keyring_file_created_once_with_mode_0600(tmp_path, capsys):
    with pytest.raises(KeyMissing, match="shouwang init"):
        load_keyring(tmp_path, {})
    ring = load_keyring(tmp_path, {}, create=True)
    path = keyring_path(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert "NEW ONE WAS GENERATED" in capsys.readouterr().err
    again = load_keyring(tmp_path, {}, create=True)
    assert again.active == ring.active and again.path == path


def test_damaged_key_file_is_a_clear_error(tmp_path):
    path = keyring_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(KeyMissing, match="damaged"):
        load_keyring(tmp_path, {})


def test_env_key_retired_by_rotation_is_refused(tmp_path):
    old, new = os.urandom(32), os.urandom(32)
    ring = Keyring(active=new, retired=[Keyring(active=old).active_id])
    ring.save(keyring_path(tmp_path))
    env = {ENV_KEY: base64.b64encode(old).decode()}
    with pytest.raises(KeyMissing, match="retired by `shouwang keys rotate`"):
        load_keyring(tmp_path, env)
    assert load_keyring(tmp_path, {ENV_KEY: base64.b64encode(new).decode()}).active == new
    stored = json.loads(keyring_path(tmp_path).read_text())
    assert set(stored) == {"active", "older", "retired"}


def test_env_key_mid_rotation_sees_the_key_file_keys(tmp_path):
    old, new = os.urandom(32), os.urandom(32)
    Keyring(active=new, older={Keyring(active=old).active_id: old}).save(keyring_path(tmp_path))
    ring = load_keyring(tmp_path, {ENV_KEY: base64.b64encode(old).decode()})
    assert ring.active == old and Keyring(active=new).active_id in ring.older
