"""Cell parsers for every messy form in FEEDS.md, applied once per distinct value of a column.

Each parser takes the cell text and returns ``(value, reason)``: the canonical value, or
``None`` and a reason code. A column is parsed over its distinct values only (factorize and
take), which keeps a million-row feed fast.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd

from warehouse import identity

Parsed = tuple[object, "str | None"]

MISSING = "missing_value"
BAD_DATE = "bad_date"
BAD_AMOUNT = "bad_amount"
BAD_INT = "bad_int"
BAD_BOOL = "bad_bool"
BAD_ENUM = "bad_enum"
BAD_NAME = "bad_name"
BAD_PHONE = "bad_phone"
TOO_LONG = "too_long"
# Longest name or place the warehouse columns hold.
MAX_NAME = 64

_BLANKS = {"", "nan", "none", "null", "n/a", "#n/a"}
_SPACES = re.compile(r"[\s\u3000\ufeff\u200b]+")
# Middle-dot look-alikes typed in minority names; all become U+00B7.
_DOTS = str.maketrans({c: "·" for c in "•・‧∙⋅．.•ㆍ"})
_NAME_OK = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ffffA-Za-z·]+$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]?\d{1,2}:\d{2}(?::\d{2})?)?$")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_TRUE = {"是", "Y", "YES", "TRUE", "1", "√", "有"}
_FALSE = {"否", "N", "NO", "FALSE", "0", "×", "无"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def is_blank(text: object) -> bool:
    """True for an empty cell or a spreadsheet's placeholder for one."""
    return text is None or str(text).strip().lower() in _BLANKS


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (陳 → 陈)."""
    return _t2s().convert(text)


def parse_text(text: str) -> Parsed:
    """Free text: trimmed, inner runs of spaces collapsed."""
    return _SPACES.sub(" ", text).strip(), None


def parse_name(text: str) -> Parsed:
    """A person's name: no spaces, simplified characters, one kind of middle dot."""
    s = to_simplified(_SPACES.sub("", text).translate(_DOTS)).strip("·")
    if not s or not _NAME_OK.match(s):
        return None, BAD_NAME
    return (s, None) if len(s) <= MAX_NAME else (None, TOO_LONG)


def parse_region(text: str) -> Parsed:
    """A place name as written (suffix kept); resolution happens against the regions table."""
    s = to_simplified(_SPACES.sub("", _nfkc(text)))
    return (s, None) if len(s) <= MAX_NAME else (None, TOO_LONG)


def parse_date(text: str, years: tuple[int, int] = (1900, 2100),
               serials: tuple[int, int] = (20000, 80000)) -> Parsed:
    """ISO date from 2026-10-03, 2026/10/3, 20261003, 2026年10月3日 or an Excel serial."""
    s = _SPACES.sub("", _nfkc(text))
    m = _YMD.match(s) or _CN_DATE.match(s) or _COMPACT.match(s)
    try:
        if m:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif _SERIAL.match(s) and serials[0] <= float(s) <= serials[1]:
            d = _EXCEL_EPOCH + dt.timedelta(days=int(float(s)))
        else:
            return None, BAD_DATE
    except ValueError:
        return None, BAD_DATE
    if not years[0] <= d.year <= years[1]:
        return None, BAD_DATE
    return d.isoformat(), None


def _number(text: str) -> float | None:
    """12,345.60 / 1.2万 / 3000元 / ¥300 → float; None when it is not a number."""
    s = _SPACES.sub("", _nfkc(text)).replace(",", "").replace("，", "")
    s = s.lstrip("¥￥").removesuffix("元")
    scale = 1.0
    if s.endswith("万"):
        s, scale = s[:-1], 10000.0
    if not _NUMBER.match(s):
        return None
    value = float(s) * scale
    return value if math.isfinite(value) else None


def parse_amount(text: str) -> Parsed:
    """A non-negative amount of yuan, rounded to fen."""
    if text.isascii() and text.replace(".", "", 1).isdigit():
        # Plain digits (most cells): what _number would find, without its regexes.
        value = float(text)
        if math.isfinite(value):
            return round(value, 2), None
    value = _number(text)
    if value is None or value < 0:
        return None, BAD_AMOUNT
    return round(value, 2), None


def parse_int(text: str) -> Parsed:
    """A non-negative whole number (人/口/户 after it allowed)."""
    value = _number(_SPACES.sub("", text).rstrip("人口户个"))
    if value is None or value < 0 or not float(value).is_integer():
        return None, BAD_INT
    return int(value), None


def parse_bool(text: str) -> Parsed:
    """是/否 (also Y/N, 1/0, √/×) as True/False."""
    s = _SPACES.sub("", _nfkc(text)).upper()
    if s in _TRUE:
        return True, None
    if s in _FALSE:
        return False, None
    return None, BAD_BOOL


def parse_phone(text: str) -> Parsed:
    """Phone digits (a mobile of 11 digits or a landline with area code), +86 and dashes removed."""
    s = re.sub(r"[\s\-()（）]", "", _nfkc(text))
    s = s.removeprefix("+86").removeprefix("0086")
    if re.fullmatch(r"1\d{10}|0\d{9,11}|\d{7,8}", s):
        return s, None
    return None, BAD_PHONE


def enum_parser(allowed: tuple[str, ...]) -> Callable[[str], Parsed]:
    """A parser accepting exactly ``allowed`` (spaces, width and letter case ignored)."""
    table = {_SPACES.sub("", _nfkc(a)).upper(): a for a in allowed}

    def parse_enum(text: str) -> Parsed:
        key = to_simplified(_SPACES.sub("", _nfkc(text))).upper()
        hit = table.get(key)
        return (hit, None) if hit is not None else (None, BAD_ENUM)

    return parse_enum


def parser_for(ftype: str, allowed: tuple[str, ...] = (), settings: dict | None = None):
    """The cell parser of a field type (IDs are parsed by `parse_ids`)."""
    cfg = settings or {}
    if ftype == "date":
        years = tuple(cfg.get("date_years", (1900, 2100)))
        serials = tuple(cfg.get("excel_serials", (20000, 80000)))
        return lambda t: parse_date(t, years, serials)
    if ftype == "enum":
        return enum_parser(allowed)
    table = {"text": parse_text, "name": parse_name, "region": parse_region,
             "amount": parse_amount, "int": parse_int, "bool": parse_bool, "phone": parse_phone}
    if ftype not in table:
        raise ValueError(f"no cell parser for type {ftype!r}")
    return table[ftype]


def _texts(cells) -> np.ndarray:
    """A column's cells as an object array of str (blank for missing cells)."""
    arr = np.asarray(cells, dtype=object)
    if all(type(v) is str for v in arr.tolist()):  # the reader's cells always are
        return arr
    return pd.Series(arr, dtype=object).fillna("").astype(str).to_numpy(dtype=object)


def parse_column(cells: pd.Series | np.ndarray, parser: Callable[[str], Parsed],
                 blank_ok: bool) -> tuple[np.ndarray, np.ndarray]:
    """Values and reason codes (None where fine) for a column, parsing each distinct cell once."""
    codes, uniques = pd.factorize(_texts(cells), use_na_sentinel=False)
    vals = np.empty(len(uniques), dtype=object)
    errs = np.empty(len(uniques), dtype=object)
    for k, u in enumerate(uniques.tolist()):
        if is_blank(u):
            vals[k], errs[k] = None, (None if blank_ok else MISSING)
            continue
        try:
            vals[k], errs[k] = parser(u)
        except Exception:  # noqa: BLE001 - an unforeseen form is a bad cell, not a crash
            vals[k], errs[k] = None, "bad_value"
    return vals[codes], errs[codes]


@dataclass(frozen=True)
class IdCell:
    """One ID cell: the cleaned text (what gets encrypted) and what parsing it found."""

    cleaned: str
    parsed: identity.ParsedId


def _excel_number_id(cleaned: str) -> identity.ParsedId:
    """An 18-digit ID that Excel stored as a number: only its first 15 digits are real."""
    return identity.ParsedId(len(cleaned), identity.EXCEL_PRECISION, region=cleaned[:6],
                             birth_date=_birth(cleaned[6:14]), partial=cleaned[:15])


def _birth(digits: str) -> dt.date | None:
    """The birth date in an ID's digits 7-14 (identity's own check), None when not a date."""
    return identity._birth(digits) if len(digits) >= 8 and digits[:8].isdigit() else None


def parse_id(cell: str, excel_number: bool = False) -> IdCell:
    """Parse an ID cell; a cell Excel held as a number of 16+ digits lost its last digits."""
    cleaned = identity.clean(cell)
    if excel_number and cleaned.isdigit() and len(cleaned) >= 16:
        return IdCell(cleaned, _excel_number_id(cleaned))
    parsed = identity.parse(cleaned)
    if parsed.status == identity.EXCEL_PRECISION and parsed.birth_date is None \
            and parsed.partial and len(parsed.partial) >= 14:
        # 1.10101199001011E+17 still carries region and birth date in its 15 digits.
        parsed = identity.ParsedId(parsed.raw_length, parsed.status, region=parsed.region,
                                   birth_date=_birth(parsed.partial[6:14]),
                                   partial=parsed.partial)
    return IdCell(cleaned, parsed)


def parse_id_codes(cells: pd.Series | np.ndarray,
                   excel_numbers: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(codes, IdCells): each distinct (cell, stored-as-number) pair parsed once; row i is
    ``uniques[codes[i]]``."""
    text_codes, texts = pd.factorize(_texts(cells), use_na_sentinel=False)
    texts = texts.tolist()
    if excel_numbers is None or not excel_numbers.any():
        parsed = np.empty(len(texts), dtype=object)
        parsed[:] = [parse_id(t) for t in texts]
        return text_codes, parsed
    # A cell Excel held as a number parses differently from the same text: key on both.
    codes, keys = pd.factorize(text_codes.astype(np.int64) * 2 + excel_numbers.astype(np.int64))
    parsed = np.empty(len(keys), dtype=object)
    parsed[:] = [parse_id(texts[k // 2], bool(k % 2)) for k in keys.tolist()]
    return codes, parsed


def parse_ids(cells: pd.Series | np.ndarray, excel_numbers: np.ndarray | None = None) -> np.ndarray:
    """IdCell per row, parsing each distinct (cell, stored-as-number) pair once."""
    codes, parsed = parse_id_codes(cells, excel_numbers)
    return parsed[codes]
