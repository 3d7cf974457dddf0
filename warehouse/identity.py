"""Resident ID numbers (GB 11643): normalization, check digit, parts, and failure reasons.

Every function here is pure: no keys, no storage. Encryption and blind keys live in
`warehouse.crypto`; masking for people lives in `warehouse.masking`.
"""
from __future__ import annotations

import datetime as dt
import math
import operator
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Reason codes a row can carry for its ID; the quarantine and the export use these words.
OK = "ok"
UPGRADED_15 = "upgraded_15"  # a valid old 15-digit number, upgraded to 18
BLANK = "id_blank"
BAD_CHARS = "id_bad_chars"
BAD_LENGTH = "id_bad_length"
BAD_REGION = "id_bad_region"
BAD_DATE = "id_bad_birth_date"
BAD_CHECKSUM = "id_bad_checksum"
EXCEL_PRECISION = "id_excel_precision_lost"

_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"ｘ": "X", "Ｘ": "X"})
# ASCII only: Python's \d also matches other scripts' digits, which are not ID digits.
_SCI = re.compile(r"^(\d)(?:\.(\d+))?[eE]\+?(\d+)$", re.ASCII)
_ID_SHAPE = re.compile(r"\d{15}|\d{17}[\dX]", re.ASCII)
_ID_ALPHABET = re.compile(r"[\dX]+", re.ASCII)
# Excel keeps 15 significant digits of a number; the rest of a longer ID is lost.
EXCEL_DIGITS = 15
# Exponents of an ID written as Excel's scientific number: 15 to 18 digits, one of them perhaps
# lost or added by a clerk (``5.00230E+16`` is an 18-digit ID short of one digit).
_SCI_EXPONENTS = range(13, 18)
# Province-level codes (GB/T 2260 first two digits; 83 for residence permits of Taiwan residents).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


@dataclass(frozen=True)
class ParsedId:
    """The outcome of reading one resident ID cell."""

    raw_length: int
    status: str
    value: str | None = None  # the 18-char ID when status is ok/upgraded_15, else None
    region: str | None = None  # 6-digit administrative code, when still reliable
    birth_date: dt.date | None = None
    sex: str | None = None  # "男" / "女"
    partial: str | None = None  # what is still reliable of a mangled ID (a prefix)

    @property
    def valid(self) -> bool:
        """True when the ID is a full, checked 18-char number."""
        return self.status in (OK, UPGRADED_15)


def check_digit(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    # map/mul rather than a generator: this runs once or twice per ID of every load.
    total = sum(map(operator.mul, map(int, body17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def clean(raw: object) -> str:
    """Strip spaces, full-width digits, a lowercase x and Excel's '.0' from an ID cell."""
    if raw is None:
        return ""
    if isinstance(raw, float):
        if raw != raw:  # NaN from a blank spreadsheet cell
            return ""
        raw = repr(raw) if not math.isfinite(raw) or abs(raw) >= 1e16 else str(int(raw))
    s = str(raw).translate(_FULLWIDTH)
    s = re.sub(r"[\s\u3000'`\"]+", "", s).upper()
    if s.endswith(".0") and s[:-2].isascii() and s[:-2].isdigit():
        s = s[:-2]
    return s


def upgrade_15(id15: str) -> str:
    """Upgrade an old 15-digit ID (19xx birth year) to the 18-char form."""
    body = id15[:6] + "19" + id15[6:15]
    return body + check_digit(body)


def _birth(yyyymmdd: str) -> dt.date | None:
    try:
        d = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    if d.year < 1880 or d > dt.date.today():
        return None
    return d


def _excel_mangled(s: str) -> ParsedId | None:
    """Recognize an ID that Excel stored as a number and lost digits of."""
    m = _SCI.match(s)
    if m:
        digits = m.group(1) + (m.group(2) or "")
        exp = int(m.group(3))
        if exp in _SCI_EXPONENTS:
            # Only an 18-digit reading (E+17) keeps its region where the ID has it.
            prefix = digits[:6] if len(digits) >= 6 and exp in (14, 17) else None
            kept = digits[:EXCEL_DIGITS] if exp in (14, 17) else None
            return ParsedId(len(s), EXCEL_PRECISION, region=prefix, partial=kept)
        return None
    # Excel keeps 15 significant digits: an 18-digit number ends in 000 and fails its check.
    if _ID_SHAPE.fullmatch(s) and len(s) == 18 and s.endswith("000") and (
        check_digit(s[:17]) != s[17]
    ):
        return ParsedId(
            len(s),
            EXCEL_PRECISION,
            region=s[:6],
            birth_date=_birth(s[6:14]),
            partial=s[:EXCEL_DIGITS],
        )
    return None


def parse(raw: object) -> ParsedId:
    """Parse one ID cell into a checked 18-char ID or a reason why it is not one."""
    s = clean(raw)
    if not s or s in ("NAN", "NONE", "NULL"):
        return ParsedId(0, BLANK)
    mangled = _excel_mangled(s)
    if mangled:
        return mangled
    if not _ID_SHAPE.fullmatch(s):
        if _ID_ALPHABET.fullmatch(s):
            return ParsedId(len(s), BAD_LENGTH)
        return ParsedId(len(s), BAD_CHARS)
    status, n = OK, len(s)
    if n == 15:
        s, status = upgrade_15(s), UPGRADED_15
    # A well-formed but wrong 18-char ID keeps its digits as ``partial``: one mistyped digit
    # can land in the region or the date, and the typo keys must still find the person.
    kept = s if status == OK else None
    if s[:2] not in PROVINCES:
        return ParsedId(n, BAD_REGION, partial=kept)
    born = _birth(s[6:14])
    if born is None:
        return ParsedId(n, BAD_DATE, region=s[:6], partial=kept)
    if check_digit(s[:17]) != s[17]:
        # Keep only the region: a typo may be anywhere, so the date is no longer certain.
        return ParsedId(n, BAD_CHECKSUM, region=s[:6], partial=s)
    sex = "男" if int(s[16]) % 2 else "女"
    return ParsedId(n, status, value=s, region=s[:6], birth_date=born, sex=sex)


def _readings(digits: str, positions: range, replace: bool = True) -> set[str]:
    """The 18-char IDs one typo away from ``digits`` that pass every check: two adjacent
    characters swapped (and, with ``replace``, one character replaced) within ``positions``;
    the check digit confirms them."""
    out = set()
    for i in positions:
        if replace:
            for ch in (CHECK_CHARS if i == 17 else "0123456789"):
                if ch != digits[i]:
                    out.add(digits[:i] + ch + digits[i + 1:])
        if i + 1 in positions and digits[i] != digits[i + 1]:
            out.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    return {r for r in out if r[:17].isdigit() and r[17] == check_digit(r[:17])
            and r[:2] in PROVINCES and _birth(r[6:14]) is not None}


def _sex(digit: str) -> str:
    return "男" if int(digit) % 2 else "女"


def credible_parts(parsed: ParsedId) -> tuple[dt.date | None, str | None]:
    """Birth date and sex of a mistyped 18-char ID, only where check digit and calendar make
    them credible (one typo assumed; a row with more has no reading that passes, so nothing):

    - an impossible birth date (``id_bad_birth_date``) holds the typo, so the order digits and
      the sex are as written; the birth date is the one every one-typo reading of the date
      that passes the check digit agrees on (the check digit confirms it), else none;
    - a failed check digit (``id_bad_checksum``) with a real date: the written date and sex
      stand unless a swap of two adjacent digits that passes the check would change them (a
      swap inside the date that still reads as a date is then as likely as a typo elsewhere).
      A replaced digit may sit anywhere, so a written date can be one digit off: matching
      grades that level on its own, and the model learns what each level is worth.
    """
    digits = parsed.partial or ""
    if len(digits) != 18 or not digits[:17].isdigit():
        return None, None
    if parsed.status == BAD_DATE:
        # Swaps across the date's edges (digits 6-7 and 14-15) can make it impossible too.
        dates = {_birth(r[6:14]) for r in _readings(digits, range(5, 15))}
        return (dates.pop() if len(dates) == 1 else None), _sex(digits[16])
    if parsed.status != BAD_CHECKSUM:
        return None, None
    swaps = _readings(digits, range(18), replace=False)
    born = None if any(r[6:14] != digits[6:14] for r in swaps) else _birth(digits[6:14])
    sex = None if any(_sex(r[16]) != _sex(digits[16]) for r in swaps) else _sex(digits[16])
    return born, sex


def usable(parsed: ParsedId) -> bool:
    """True when the ID can still find a person: valid, or enough digits survive for typo keys."""
    return parsed.valid or len(parsed.partial or "") >= EXCEL_DIGITS


def make_id(region: str, birth: dt.date, seq: int, male: bool) -> str:
    """Build a valid synthetic 18-char ID (tests and the demo generator only)."""
    order = seq % 100 * 10 + (seq // 100 % 5) * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + check_digit(body)
