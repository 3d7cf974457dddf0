"""Normalization for matching: simplified names without spaces, pinyin keys, region short names."""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from pathlib import Path

import numpy as np
import yaml

from connectors.regions import any_place_suffixes, configured_suffixes, short_name
from matching.arrays import distinct_values, expand_ranges, member

_SEPARATORS = re.compile(r"[\s\u3000·•・‧.．_\-]+")


@lru_cache(maxsize=1)
def _surname_table() -> dict:
    text = (Path(__file__).parent / "surnames.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=200_000)
def clean_name(name: str | None) -> str:
    """Simplified characters, no spaces or middle dots: 陳 麗 → 陈丽, 阿依·古丽 → 阿依古丽.

    Anything but text (None, pandas' NaN) is no name: "", never "nan".
    """
    if not name or name != name:  # None, "", NaN
        return ""
    text = _SEPARATORS.sub("", str(name))
    return _t2s().convert(text) if text else ""


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a cleaned name; two-character surnames such as 欧阳 kept whole."""
    if not name:
        return "", ""
    for compound in _surname_table()["compound"]:
        if name.startswith(compound) and len(name) > len(compound):
            return compound, name[len(compound):]
    return name[:1], name[1:]


@lru_cache(maxsize=50_000)
def _char_readings(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda x: [x])[0]
    return tuple(dict.fromkeys(r.lower() for r in readings))


def _default_reading(text: str) -> str:
    return "".join(_char_readings(ch)[0] for ch in text)


@lru_cache(maxsize=100_000)
def surname_pinyin(name: str | None) -> str:
    """Pinyin of the surname as a surname (曾 → zeng, 单 → shan, 翟 → zhai), not its default."""
    surname, _ = split_name(clean_name(name))
    table = _surname_table()["readings"]
    if surname in table:
        return table[surname]
    return _default_reading(surname)


@lru_cache(maxsize=200_000)
def name_pinyin(name: str | None) -> str:
    """Toneless pinyin of the whole name with the surname read as a surname: 曾伟 → zengwei."""
    _, given = split_name(clean_name(name))
    surname = surname_pinyin(name)
    return surname + _default_reading(given) if surname or given else ""


@lru_cache(maxsize=200_000)
def name_readings(name: str | None) -> tuple[frozenset[str], ...]:
    """Every reading of each character (heteronyms), the surname's table reading included."""
    return _readings_of_clean(clean_name(name))


@lru_cache(maxsize=200_000)
def _readings_of_clean(cleaned: str) -> tuple[frozenset[str], ...]:
    surname, given = split_name(cleaned)
    table = _surname_table()["readings"]
    out: list[frozenset[str]] = []
    if surname in table:
        out.append(frozenset({table[surname]}))
    else:
        out.extend(frozenset(_char_readings(ch)) for ch in surname)
    out.extend(frozenset(_char_readings(ch)) for ch in given)
    return tuple(out)


@lru_cache(maxsize=200_000)
def reading_spellings(cleaned: str) -> tuple[str, ...]:
    """Every way a cleaned name can be read, syllables space-separated: 单乐 → shan le, shan yue."""
    return tuple(" ".join(p) for p in product(*(sorted(r) for r in _readings_of_clean(cleaned))))


def readable_alike(names: np.ndarray, lc: np.ndarray, rc: np.ndarray) -> np.ndarray:
    """For pairs of codes into the cleaned ``names``: True where some reading is shared,
    i.e. ``readings_overlap`` for each pair, done as one array join of their spellings."""
    needed = distinct_values(np.concatenate([lc, rc]))
    spelled = [reading_spellings(names[c]) for c in needed]
    count = np.zeros(len(names), dtype=np.int64)
    count[needed] = [len(x) for x in spelled]
    # ``spelling`` lists the needed names' spellings in code order; names not needed count 0.
    start = np.cumsum(count) - count
    ids: dict[str, int] = {}
    spelling = np.array([ids.setdefault(x, len(ids)) for group in spelled for x in group],
                        dtype=np.int64)
    width = np.int64(len(ids) + 1)

    def keyed(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pair, offset = expand_ranges(count[codes])
        return pair, pair * width + spelling[start[codes][pair] + offset]

    left_pair, left_keys = keyed(lc)
    _, right_keys = keyed(rc)
    out = np.zeros(len(lc), dtype=bool)
    out[left_pair[member(left_keys, right_keys)]] = True
    return out


def readings_overlap(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> bool:
    """True when both names have as many syllables and each position shares a reading."""
    return bool(a) and len(a) == len(b) and all(x & y for x, y in zip(a, b))


@lru_cache(maxsize=20_000)
def region_short(name: str | None) -> str:
    """A township or village name without its suffix, in simplified characters: 龙河镇 → 龙河.

    The suffixes are the settings' (``connectors.regions``, the one normalizer), so a place
    keys alike here, in the regions table and in screening.
    """
    return short_name(clean_name(name), _place_suffixes())


@lru_cache(maxsize=1)
def _place_suffixes() -> tuple[str, ...]:
    # Records and roster persons both carry places of either level; one key for each spelling.
    return any_place_suffixes(configured_suffixes())
