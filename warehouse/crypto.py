"""Field encryption (AES-256-GCM) and keyed blind indexes (HMAC-SHA256) for IDs and phones.

A ciphertext token is ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``; its associated
data binds it to one column of one row, so a token copied elsewhere fails to open.
Per-field keys are derived from the master key with HKDF; the master key comes from the
environment (``SHOUWANG_MASTER_KEY``, base64) or a keyring file under ``SHOUWANG_HOME/keys``,
never from the database.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shouwang.core.errors import UserError
from warehouse.identity import ParsedId, EXCEL_PRECISION

TOKEN_VERSION = "v1"
ENV_KEY = "SHOUWANG_MASTER_KEY"
KEYRING_NAME = "keyring.json"
NONCE_BYTES = 12  # AES-GCM's standard nonce
CHECK_LABEL = b"shouwang/key-check/v1"  # what a key's registered check value is a digest of
_KEY_ID = re.compile(r"[0-9a-f]{12}")
# Windows of six ID positions masked in turn; every single-digit error and every swap of
# two adjacent digits falls inside at least one window, so one typo key still agrees.
TYPO_WINDOWS = ((0, 6), (4, 10), (8, 14), (12, 18))


class KeyMissing(UserError):
    """A key is missing or does not open a ciphertext (the CLI prints one line)."""


class DecryptError(Exception):
    """A ciphertext was tampered with, moved to another row, or made under an unknown key."""


def _b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


@lru_cache(maxsize=64)
def key_id(master: bytes) -> str:
    """Short public fingerprint of a master key, stored beside every ciphertext."""
    return hmac.new(master, b"shouwang/key-id", hashlib.sha256).hexdigest()[:12]


def check_value(master: bytes) -> str:
    """HMAC-SHA256 of a fixed label under a key derived from ``master``: proves it, reveals nothing."""
    return hmac.new(_derive(master, "check"), CHECK_LABEL, hashlib.sha256).hexdigest()


@lru_cache(maxsize=256)
def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master
    )


@lru_cache(maxsize=256)
def _aead(master: bytes, purpose: str) -> AESGCM:
    # One cipher object per field key: building AESGCM per value costs more than sealing it.
    return AESGCM(_derive(master, f"aead/{purpose}"))


@lru_cache(maxsize=256)
def _blind_pads(master: bytes, purpose: str) -> tuple:
    """HMAC-SHA256 (RFC 2104) inner and outer states after the key block, copied per value.

    hmac.new and hmac.digest look SHA-256 up in OpenSSL 3 on every call, which costs more
    than hashing an ID; copying two ready hash states gives the same HMAC several times faster.
    """
    key = _derive(master, f"blind/{purpose}")
    if len(key) > 64:  # SHA-256's block size; derived keys are 32 bytes
        key = hashlib.sha256(key).digest()
    block = key.ljust(64, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in block)),
            hashlib.sha256(bytes(b ^ 0x5C for b in block)))


def _hmac_hex(pads: tuple, value: str) -> str:
    """The first 32 hex digits of HMAC-SHA256 from ``_blind_pads`` states."""
    inner, outer = pads[0].copy(), pads[1].copy()
    inner.update(value.encode())
    outer.update(inner.digest())
    return outer.hexdigest()[:32]


@dataclass
class Keyring:
    """The active master key plus older ones still able to open old ciphertexts.

    ``retired`` lists the ids (public fingerprints) of keys that ``keys rotate`` removed, so a
    stale SHOUWANG_MASTER_KEY is refused with a clear message instead of failing row by row.
    """

    active: bytes
    older: dict[str, bytes] = field(default_factory=dict)
    path: Path | None = None
    retired: list[str] = field(default_factory=list)

    @property
    def active_id(self) -> str:
        """Key id of the key new ciphertexts are made with."""
        return key_id(self.active)

    def holds(self, kid: str) -> bool:
        """True when the keyring can open tokens sealed under key ``kid``."""
        return kid == self.active_id or kid in self.older

    def master(self, kid: str) -> bytes:
        """The master key with id ``kid``."""
        if kid == self.active_id:
            return self.active
        if kid in self.older:
            return self.older[kid]
        hint = " (it was retired by `shouwang keys rotate`)" if kid in self.retired else ""
        raise DecryptError(f"no key with id {kid} in the keyring{hint}; restore the key file")

    def to_json(self) -> str:
        """Serialized keyring for the key file."""
        return json.dumps(
            {
                "active": _b64e(self.active),
                "older": {k: _b64e(v) for k, v in self.older.items()},
                "retired": self.retired,
            },
            indent=1,
        )

    def save(self, path: Path) -> None:
        """Write the keyring file with mode 0600, replacing it atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.to_json())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        self.path = path


def keyring_path(home: Path) -> Path:
    """Where the local keyring file lives under SHOUWANG_HOME."""
    return Path(home) / "keys" / KEYRING_NAME


def decode_master(text: str, source: str) -> bytes:
    """A 32-byte master key from its base64 text; ``source`` names where it came from."""
    try:
        raw = _b64d(text.strip())
    except (ValueError, TypeError) as e:
        raise KeyMissing(f"{source} is not base64: use 32 random bytes, base64-encoded") from e
    if len(raw) != 32:
        raise KeyMissing(f"{source} must be 32 bytes, base64-encoded (got {len(raw)} bytes)")
    return raw


def read_keyring_file(path: Path) -> Keyring:
    """The keyring stored in ``path`` (see ``Keyring.to_json``)."""
    try:
        data = json.loads(path.read_text())
        return Keyring(
            active=decode_master(data["active"], f"{path} (active)"),
            older={k: decode_master(v, f"{path} ({k})") for k, v in data.get("older", {}).items()},
            path=path,
            retired=list(data.get("retired", [])),
        )
    except (ValueError, KeyError) as e:
        problem = type(e).__name__
        raise KeyMissing(f"key file {path} is damaged ({problem}); restore it from backup") from e


def load_keyring(home: Path, env: dict | None = None, create: bool = False) -> Keyring:
    """Load the master key from the environment or the key file; optionally create one."""
    env = os.environ if env is None else env
    path = keyring_path(home)
    stored = read_keyring_file(path) if path.exists() else None
    if env.get(ENV_KEY):
        ring = Keyring(active=decode_master(env[ENV_KEY], ENV_KEY))
        if stored is None:
            return ring
        if ring.active_id in stored.retired:
            raise KeyMissing(
                f"{ENV_KEY} holds key {ring.active_id}, retired by `shouwang keys rotate`: "
                f"set {ENV_KEY} to the new key (field \"active\" of {path}) in your secret store"
            )
        # The key file may hold the target key of a rotation started under this env key.
        ring.older = {k: v for k, v in stored.older.items() if k != ring.active_id}
        if stored.active_id != ring.active_id:
            ring.older[stored.active_id] = stored.active
        ring.path, ring.retired = path, stored.retired
        return ring
    if stored is not None:
        return stored
    if not create:
        raise KeyMissing(
            f"no master key: set {ENV_KEY} or run `shouwang init` to create {path}"
        )
    ring = Keyring(active=os.urandom(32))
    ring.save(path)
    print(
        "\n"
        "!!! NO MASTER KEY WAS CONFIGURED. A NEW ONE WAS GENERATED AT\n"
        f"!!!   {path}  (mode 0600)\n"
        "!!! Back it up outside this machine: without it, no stored ID can be read again.\n"
        f"!!! In production set {ENV_KEY} from your secret store instead.\n",
        file=sys.stderr,
    )
    return ring


class Vault:
    """Seals and opens sensitive fields and computes their blind indexes."""

    def __init__(self, keyring: Keyring):
        self.keyring = keyring

    @property
    def key_id(self) -> str:
        """The active key id."""
        return self.keyring.active_id

    def seal(self, purpose: str, plaintext: str, aad: str) -> str:
        """Encrypt ``plaintext`` for field ``purpose``, bound to ``aad`` (table.column:row)."""
        return self._seal(purpose, plaintext, aad, os.urandom(NONCE_BYTES))

    def _seal(self, purpose: str, plaintext: str, aad: str, nonce: bytes) -> str:
        # Split out so known-answer tests can pin the token format with a fixed nonce.
        kid = self.keyring.active_id
        ct = _aead(self.keyring.active, purpose).encrypt(nonce, plaintext.encode(),
                                                         f"{kid}|{aad}".encode())
        return f"{TOKEN_VERSION}.{kid}.{_b64e(nonce + ct)}"

    @staticmethod
    def token_key_id(token: str) -> str | None:
        """The key id a token was sealed under (None when it is not a token)."""
        parts = token.split(".", 2)
        return parts[1] if len(parts) == 3 and parts[0] == TOKEN_VERSION else None

    def open(self, purpose: str, token: str, aad: str) -> str:
        """Decrypt a token made by ``seal`` for the same purpose and row."""
        try:
            version, kid, body = token.split(".", 2)
        except ValueError as e:
            raise DecryptError("not a Shouwang ciphertext token") from e
        # Echo nothing of a malformed token: it might be a plaintext ID passed by mistake.
        if version != TOKEN_VERSION or not _KEY_ID.fullmatch(kid):
            raise DecryptError(f"not a {TOKEN_VERSION} Shouwang ciphertext token")
        cipher = _aead(self.keyring.master(kid), purpose)
        try:
            blob = _b64d(body)
            nonce, ct = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
            return cipher.decrypt(nonce, ct, f"{kid}|{aad}".encode()).decode()
        except (InvalidTag, ValueError) as e:
            raise DecryptError("ciphertext does not open: altered, or moved from another row") from e

    def blind(self, purpose: str, value: str) -> str:
        """Keyed HMAC-SHA256 of a normalized value, for equality look-ups (128 bits, hex)."""
        return _hmac_hex(_blind_pads(self.keyring.active, purpose), value)

    def typo_keys(self, parsed: ParsedId) -> tuple[str | None, ...]:
        """One blind key per masked window; an ID one typo away shares at least one."""
        s = parsed.value or parsed.partial
        if not s or (parsed.status == EXCEL_PRECISION and len(s) < 15):
            return (None,) * len(TYPO_WINDOWS)
        if parsed.status == EXCEL_PRECISION and parsed.raw_length == 18:
            # "…000" is either Excel's zeroed tail or a typo in an ID that really ends in 000
            # (a valid one does): key the digits as written so both readings find the person.
            s = s + "000"
        pads = _blind_pads(self.keyring.active, "resident_id/typo")
        # A mangled 15-digit prefix only still knows the window that masks its tail.
        return tuple(None if len(s) < 18 and b < 18 else _hmac_hex(pads, f"{i}:{s[:a]}{s[b:18]}")
                     for i, (a, b) in enumerate(TYPO_WINDOWS))
