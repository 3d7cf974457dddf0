"""Identity columns for a stored row, via warehouse.sensitive (the one way IDs are sealed).

The only addition: a cell Excel stored as a number keeps the status the reader found
(precision lost), even when its mangled digits happen to pass the check digit.
"""
from __future__ import annotations

from connectors.normalize import IdCell
from warehouse import identity, sensitive
from warehouse.crypto import Vault


def identity_columns(vault: Vault, table: str, uid: str, cell: IdCell | None) -> dict:
    """id_cipher, id_index, id_key0..3, id_status, id_region, birth_date, sex, id_masked."""
    if cell is None:
        return sensitive.identity_columns(vault, table, uid, "")
    return sensitive.sealed_identity(vault, table, uid, cell.cleaned, reading(cell))


def reading(cell: IdCell) -> identity.ParsedId:
    """The parse the stored columns follow: the text's own, unless the reader's status differs.

    ``normalize.parse_id`` gives ``identity.parse(cleaned)`` for every status but precision
    lost, so only those cells are parsed again (parsing is a load's costliest step per ID).
    """
    if cell.parsed.status != identity.EXCEL_PRECISION:
        return cell.parsed
    own = identity.parse(cell.cleaned)
    # Same status: the text's own reading (its birth date may differ from the reader's).
    return own if own.status == cell.parsed.status else cell.parsed
