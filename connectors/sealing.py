"""Identity columns for a stored row, via warehouse.sensitive (the one way IDs are sealed).

The only addition: a cell Excel stored as a number keeps the status the reader found
(precision lost), even when its mangled digits happen to pass the check digit.
"""
from __future__ import annotations

from connectors.normalize import IdCell
from warehouse import sensitive
from warehouse.crypto import Vault


def identity_columns(vault: Vault, table: str, uid: str, cell: IdCell | None) -> dict:
    """id_cipher, id_index, id_key0..3, id_status, id_region, birth_date, sex, id_masked."""
    out = sensitive.identity_columns(vault, table, uid, cell.cleaned if cell else "")
    parsed = cell.parsed if cell else None
    if parsed is not None and parsed.status != out["id_status"]:
        keys = vault.typo_keys(parsed)
        out.update(id_status=parsed.status, id_region=parsed.region,
                   birth_date=parsed.birth_date, sex=parsed.sex,
                   id_index=(vault.blind(sensitive.RESIDENT_ID, parsed.value)
                             if parsed.valid else None),
                   **{f"id_key{i}": k for i, k in enumerate(keys)})
    if out.get("id_masked"):
        out["id_masked"] = out["id_masked"][:18]
    return out
