"""Synthetic resident IDs in bulk, and the ways real files mangle them (FEEDS.md)."""
from __future__ import annotations

import numpy as np

from warehouse.identity import BAD_CHECKSUM, CHECK_CHARS, WEIGHTS, check_digit, parse

_FULLWIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)})


def make_ids(region: np.ndarray, birth: np.ndarray, seq: np.ndarray, male: np.ndarray) -> np.ndarray:
    """`warehouse.identity.make_id` over arrays (same digits; a per-person loop is too slow at 1M)."""
    birth = np.asarray(birth, dtype="datetime64[D]")
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    ymd = (
        (years.astype(np.int64) + 1970) * 10000
        + (months - years).astype(np.int64) * 100 + 100
        + (birth - months).astype(np.int64) + 1
    )
    seq = np.asarray(seq, dtype=np.int64)
    order = seq % 100 * 10 + (seq // 100 % 5) * 2 + np.asarray(male, dtype=np.int64)
    body = np.asarray(region, dtype=np.int64) * 10**11 + ymd * 1000 + order
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digits = body[:, None] // powers % 10
    check = np.array(list(CHECK_CHARS))[(digits @ np.array(WEIGHTS, dtype=np.int64)) % 11]
    return np.char.add(body.astype(str), check).astype(object)


ORDER_SLOTS = 500  # order codes per sex: 000-999 with the last digit's parity giving the sex


def seq_for_order_slot(slot: np.ndarray) -> np.ndarray:
    """The `make_id` seq whose order code is ``2 * slot + sex`` (slot 0-499), so codes span 000-999."""
    slot = np.asarray(slot, dtype=np.int64)
    return slot % 5 * 100 + slot // 5


def lowercase_x(rid: str) -> str:
    """The check character X written as x ('' when the ID has no X)."""
    return rid.lower() if rid.endswith("X") else ""


def spaced(rid: str) -> str:
    """Spaces after the region and the birth date, as some offices type IDs."""
    return f"{rid[:6]} {rid[6:14]} {rid[14:]}"


def fullwidth(rid: str) -> str:
    """Full-width digits (１２３), from Chinese input methods."""
    return rid.translate(_FULLWIDTH)


def old_15(rid: str) -> str:
    """The old 15-digit form, which only exists for people born in the 1900s ('' otherwise)."""
    return rid[:6] + rid[8:17] if rid[6:8] == "19" else ""


def _unambiguous(mangled: str) -> str:
    """The typo if it reads as a failed check digit only ('' otherwise).

    A typo in the birth date that makes it impossible, or one ending in 000 (Excel's precision
    loss), reads as another problem; the truth would then mislead.
    """
    return mangled if parse(mangled).status == BAD_CHECKSUM else ""


def typo_digit(rid: str, rng: np.random.Generator) -> str:
    """One digit of the body mistyped, so only the check digit fails ('' if it would fail otherwise)."""
    pos = int(rng.integers(6, 17))
    wrong = (int(rid[pos]) + int(rng.integers(1, 10))) % 10
    return _unambiguous(rid[:pos] + str(wrong) + rid[pos + 1 :])


def swap_adjacent(rid: str, rng: np.random.Generator) -> str:
    """Two adjacent, different digits of the body swapped, so only the check digit fails ('' if not)."""
    spots = [i for i in range(6, 16) if rid[i] != rid[i + 1]]
    if not spots:
        return ""
    i = spots[int(rng.integers(0, len(spots)))]
    return _unambiguous(rid[:i] + rid[i + 1] + rid[i] + rid[i + 2 :])


def excel_number(rid: str) -> float | None:
    """The ID as Excel stores a number: 15 significant digits (None for IDs ending in X)."""
    if not rid.isdigit():
        return None
    return float(f"{float(rid):.15g}")


def excel_000(rid: str) -> str:
    """The text Excel exports for an ID stored as a number: last three digits 000.

    '' when the mangled number would still pass the check digit (it would name someone else).
    """
    if not rid.isdigit():
        return ""
    mangled = rid[:15] + "000"
    return mangled if check_digit(mangled[:17]) != "0" else ""


def birth_date_typo(rid: str, rng: np.random.Generator) -> str:
    """One digit of the birth date mistyped: an impossible date or a failed check digit ('' if valid)."""
    pos = int(rng.integers(6, 14))
    wrong = (int(rid[pos]) + int(rng.integers(1, 10))) % 10
    mangled = rid[:pos] + str(wrong) + rid[pos + 1:]
    return mangled if not parse(mangled).valid else ""


def birth_date_swap(rid: str, rng: np.random.Generator) -> str:
    """Two adjacent, different digits of the birth date swapped ('' if none or still valid)."""
    spots = [i for i in range(6, 13) if rid[i] != rid[i + 1]]
    if not spots:
        return ""
    i = spots[int(rng.integers(0, len(spots)))]
    mangled = rid[:i] + rid[i + 1] + rid[i] + rid[i + 2:]
    return mangled if not parse(mangled).valid else ""


def excel_scientific(rid: str) -> str:
    """The text a CSV exported from Excel holds for an ID stored as a number: ``5.00230E+17``."""
    if not rid.isdigit():
        return ""
    return f"{float(rid):.5E}"
