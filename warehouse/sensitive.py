"""Turn a sensitive cell into the columns the warehouse stores: ciphertext, blind keys, mask.

Every writer (roster load, feed ingest) and key rotation use these functions, so a blind
index is computed one way only. Conventions are in docs/architecture.md.
"""
from __future__ import annotations

import re

from warehouse import identity
from warehouse.crypto import Vault
from warehouse.masking import mask_id
from warehouse.models import Base

RESIDENT_ID = "resident_id"
PHONE = "phone"
TYPO_KEYS = 4  # id_key0..3, one per Vault.typo_keys window
CIPHER_SUFFIX = "_cipher"  # a column (or JSON member) holding a token


def sealed_columns() -> list:  # -> list[tuple[sqlalchemy.Table, str]]
    """Every ``*_cipher`` column of the schema as (table, column name); JSON members excluded."""
    return [(t, c.name) for t in Base.metadata.sorted_tables for c in t.columns
            if c.name.endswith(CIPHER_SUFFIX)]


def aad(table: str, column: str, uid: str) -> str:
    """Associated data binding a token to one column (or JSON member) of one row."""
    return f"{table}.{column}:{uid}"


def clean_phone(raw: object) -> str:
    """A phone cell reduced to its digits (the form that is sealed and indexed)."""
    return re.sub(r"\D", "", "" if raw is None else str(raw))


def purpose_of(column: str, info: dict | None = None) -> str:
    """The vault purpose of a ``*_cipher`` column: from ``info['purpose']`` or its name."""
    if info and info.get("purpose"):
        return info["purpose"]
    if "phone" in column:
        return PHONE
    if column.endswith("id_cipher"):
        return RESIDENT_ID
    raise ValueError(
        f"column {column!r} holds ciphertext of an unknown kind: name it *id_cipher or "
        "*phone_cipher, or give it info={'purpose': ...} in warehouse/models.py"
    )


def blind_index(vault: Vault, purpose: str, plaintext: str) -> str | None:
    """The equality blind index of a phone or a valid ID (None when there is nothing to index)."""
    if purpose == PHONE:
        digits = clean_phone(plaintext)
        return vault.blind(PHONE, digits) if digits else None
    parsed = identity.parse(plaintext)
    return vault.blind(RESIDENT_ID, parsed.value) if parsed.valid else None


def _id_blind_columns(vault: Vault, prefix: str, parsed: identity.ParsedId) -> dict:
    # From an ID parsed once: parsing is the costliest step of a roster or feed load.
    out = {f"{prefix}_index": vault.blind(RESIDENT_ID, parsed.value) if parsed.valid else None}
    for i, key in enumerate(vault.typo_keys(parsed)):
        out[f"{prefix}_key{i}"] = key
    return out


def blind_columns(vault: Vault, purpose: str, prefix: str, plaintext: str) -> dict:
    """The blind keys stored beside ``<prefix>_cipher`` for this plaintext."""
    if purpose == PHONE:
        return {f"{prefix}_index": blind_index(vault, purpose, plaintext)}
    return _id_blind_columns(vault, prefix, identity.parse(plaintext))


def identity_columns(vault: Vault, table: str, uid: str, raw: object) -> dict:
    """All IdentityColumns values for one resident-ID cell of row ``uid`` of ``table``."""
    cleaned = identity.clean(raw)
    return sealed_identity(vault, table, uid, cleaned, identity.parse(cleaned))


def sealed_identity(vault: Vault, table: str, uid: str, cleaned: str,
                    parsed: identity.ParsedId) -> dict:
    """IdentityColumns values from a cleaned ID cell and what parsing it found."""
    out = _id_blind_columns(vault, "id", parsed)
    token = vault.seal(RESIDENT_ID, cleaned, aad(table, "id_cipher", uid)) if cleaned else None
    out.update(
        id_cipher=token,
        id_status=parsed.status,
        id_region=parsed.region,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
        id_masked=mask_id(cleaned)[:18] or None,  # the column holds 18; garbage cells are longer
    )
    return out


def sealed_pair(vault: Vault, purpose: str, table: str, where: str, uid: str, raw: object) -> dict:
    """``<prefix>_cipher`` and ``<prefix>_index`` for a phone or an ID kept beside a record.

    ``where`` names the ciphertext's place: a column (``phone_cipher``) or a member of a JSON
    column (``fields.guardian_id_cipher``); it is part of the AAD.
    """
    prefix = where.rsplit(".", 1)[-1].removesuffix("_cipher")
    text = clean_phone(raw) if purpose == PHONE else identity.clean(raw)
    if not text:
        return {f"{prefix}_cipher": None, f"{prefix}_index": None}
    return {
        f"{prefix}_cipher": vault.seal(purpose, text, aad(table, where, uid)),
        # The digits are already clean: index them without cleaning again.
        f"{prefix}_index": (vault.blind(PHONE, text) if purpose == PHONE
                            else blind_index(vault, purpose, text)),
    }
