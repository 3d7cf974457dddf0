"""A self-hosted proof of work before a public report is taken (the ALTCHA v1 protocol).

The server signs a challenge: ``challenge = SHA-256(salt + n)`` for a secret random ``n`` up to
``maxnumber``, ``signature = HMAC-SHA-256(key, challenge)``, the salt carrying its expiry
(``<hex>?expires=<unix seconds>&``). The page (static/report.js) tries n = 0, 1, … with the
browser's SubtleCrypto until the hash matches and sends back base64 of the JSON
``{algorithm, challenge, number, salt, signature}``. Nothing leaves the county's server, and a
solved challenge is accepted once.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from urllib.parse import parse_qs

ALGORITHM = "SHA-256"
SALT_BYTES = 12
MAX_PAYLOAD_CHARS = 2048  # a genuine payload is about 400 characters


class Challenges:
    """Issues and checks signed challenges; remembers solved ones until they expire."""

    def __init__(self, key: bytes, max_number: int, expires_seconds: int, clock=time.time):
        self._key = key
        self.max_number = max_number
        self.expires_seconds = expires_seconds
        self.clock = clock
        self._used: dict[str, float] = {}  # challenge -> its expiry
        self._lock = threading.Lock()

    def _sign(self, challenge: str) -> str:
        return hmac.new(self._key, challenge.encode(), hashlib.sha256).hexdigest()

    def issue(self) -> dict:
        """A new challenge as the page's script reads it."""
        expires = int(self.clock()) + self.expires_seconds
        salt = f"{secrets.token_hex(SALT_BYTES)}?expires={expires}&"
        number = secrets.randbelow(self.max_number + 1)
        challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
        return {"algorithm": ALGORITHM, "challenge": challenge, "maxnumber": self.max_number,
                "salt": salt, "signature": self._sign(challenge)}

    def verify(self, payload: object) -> bool:
        """Whether ``payload`` (the base64 text the page sends) solves an unexpired challenge
        of ours not solved before; a good one is then spent."""
        data = _decode(payload)
        if data is None:
            return False
        challenge, salt, number = data["challenge"], data["salt"], data["number"]
        expires = _expiry(salt)
        now = self.clock()
        if expires is None or expires < now or not 0 <= number <= self.max_number:
            return False
        if not hmac.compare_digest(self._sign(challenge), data["signature"]):
            return False
        if not hmac.compare_digest(hashlib.sha256(f"{salt}{number}".encode()).hexdigest(),
                                   challenge):
            return False
        with self._lock:
            for spent in [c for c, until in self._used.items() if until < now]:
                del self._used[spent]
            if challenge in self._used:
                return False
            self._used[challenge] = expires
        return True


def _decode(payload: object) -> dict | None:
    """The solution's fields with their types checked, or None for anything malformed."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_CHARS:
        return None
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or data.get("algorithm") != ALGORITHM:
        return None
    texts = ("challenge", "salt", "signature")
    if not all(isinstance(data.get(k), str) for k in texts):
        return None
    number = data.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return data


def _expiry(salt: str) -> float | None:
    """The expiry written into the salt (``…?expires=<seconds>&``), None without one."""
    _, _, query = salt.partition("?")
    values = parse_qs(query).get("expires", [])
    try:
        return float(values[0]) if values else None
    except ValueError:
        return None
