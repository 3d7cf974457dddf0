"""Normalization for matching: simplified names without spaces, pinyin keys, region short names."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_SEPARATORS = re.compile(r"[\s\u3000·•・‧.．_\-]+")
_REGION_SUFFIXES = ("街道办事处", "街道", "社区居委会", "居委会", "社区", "村委会", "镇", "乡", "村")


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
    """Simplified characters, no spaces or middle dots: 陳 麗 → 陈丽, 阿依·古丽 → 阿依古丽."""
    if not name:
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
    cleaned = clean_name(name)
    surname, given = split_name(cleaned)
    table = _surname_table()["readings"]
    out: list[frozenset[str]] = []
    if surname in table:
        out.append(frozenset({table[surname]}))
    else:
        out.extend(frozenset(_char_readings(ch)) for ch in surname)
    out.extend(frozenset(_char_readings(ch)) for ch in given)
    return tuple(out)


def readings_overlap(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> bool:
    """True when both names have as many syllables and each position shares a reading."""
    return bool(a) and len(a) == len(b) and all(x & y for x, y in zip(a, b))


@lru_cache(maxsize=20_000)
def region_short(name: str | None) -> str:
    """A township or village name without its suffix, in simplified characters: 龙河镇 → 龙河."""
    text = clean_name(name)
    for suffix in _REGION_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text
