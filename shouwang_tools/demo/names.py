"""Synthetic Chinese names with realistic repetition, minority names, and the name mess of FEEDS.md."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

# Common surnames, weighted roughly by frequency, plus ones whose default pinyin is wrong
# (曾 zeng, 单 shan, 解 xie, 仇 qiu, 翟 zhai, 朴 piao) so matching meets them.
SURNAMES = {
    "王": 10, "李": 10, "张": 9.5, "刘": 7, "陈": 6, "杨": 4.5, "黄": 3.5, "赵": 3, "吴": 2.8,
    "周": 2.7, "徐": 2, "孙": 2, "马": 1.8, "朱": 1.7, "胡": 1.6, "郭": 1.5, "何": 1.4,
    "罗": 1.3, "高": 1.3, "林": 1.2, "谭": 1, "冉": 0.8, "向": 0.8, "秦": 0.7, "冯": 0.7,
    "邓": 0.7, "曾": 0.8, "单": 0.4, "解": 0.3, "仇": 0.3, "翟": 0.3, "朴": 0.2, "欧阳": 0.1,
}
# Given names by sex: a few very common ones dominate, so 张伟 and 王芳 recur many times.
GIVEN_MALE = {
    "伟": 6, "强": 4, "磊": 4, "军": 4, "勇": 3.5, "杰": 3, "涛": 3, "明": 3, "超": 2.5,
    "刚": 2.5, "平": 2, "华": 2, "建国": 1.5, "建华": 1.5, "志强": 1.5, "国强": 1.2, "德明": 1,
    "家豪": 1, "浩然": 1, "子轩": 1, "俊杰": 1, "文博": 0.8, "宇航": 0.8, "永福": 0.8,
}
GIVEN_FEMALE = {
    "芳": 6, "丽": 5, "静": 4.5, "敏": 4, "艳": 3.5, "娟": 3, "霞": 3, "秀英": 3, "桂英": 2.5,
    "红": 2.5, "玉兰": 2, "平": 1.5, "华": 1.5, "婷": 2, "雪": 1.5, "欣怡": 1, "梓涵": 1,
    "雨桐": 1, "子涵": 0.8, "春梅": 1, "秀兰": 1, "美玲": 0.8, "杰": 0.5,
}
# Uyghur-style names: own name · father's name, joined by a middle dot.
MINORITY_OWN_MALE = ["买买提", "艾力", "阿不都", "吐尔逊", "艾则孜", "库尔班", "努尔"]
MINORITY_OWN_FEMALE = ["阿依古丽", "古丽娜尔", "热依拉", "帕提古丽", "米热古丽", "阿依努尔"]
MINORITY_FATHER = ["买买提", "艾力", "吐尔逊", "阿不都", "热合曼", "玉素甫", "依明"]
DOT = "·"
DOT_VARIANTS = ("．", ".", "")


def _choice(rng: np.random.Generator, pool: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(pool), dtype=object)
    weights = np.array(list(pool.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def surnames(rng: np.random.Generator, size: int) -> np.ndarray:
    """Surnames drawn by frequency."""
    return _choice(rng, SURNAMES, size)


def given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Given names drawn by frequency for each person's sex."""
    out = np.empty(len(male), dtype=object)
    out[male] = _choice(rng, GIVEN_MALE, int(male.sum()))
    out[~male] = _choice(rng, GIVEN_FEMALE, int((~male).sum()))
    return out


def minority_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Dotted minority names (own name · father's name)."""
    n = len(male)
    own = np.where(
        male,
        np.array(MINORITY_OWN_MALE, dtype=object)[rng.integers(0, len(MINORITY_OWN_MALE), n)],
        np.array(MINORITY_OWN_FEMALE, dtype=object)[rng.integers(0, len(MINORITY_OWN_FEMALE), n)],
    )
    father = np.array(MINORITY_FATHER, dtype=object)[rng.integers(0, len(MINORITY_FATHER), n)]
    return np.array([f"{a}{DOT}{b}" for a, b in zip(own, father)], dtype=object)


def with_spaces(name: str) -> str:
    """张伟 → 张 伟: a space between characters, as typed in some offices."""
    return " ".join(name)


@lru_cache(maxsize=1)
def _to_traditional():
    from opencc import OpenCC

    return OpenCC("s2t")


def traditional(name: str) -> str:
    """陈伟 → 陳偉: the same name in traditional characters ('' when nothing changes)."""
    out = _to_traditional().convert(name)
    return out if out != name else ""


def homophone(name: str, table: dict[str, str]) -> str:
    """张丽 → 张莉: one character replaced by a same-sounding one ('' when none applies)."""
    for i, ch in enumerate(name[1:], start=1):
        if ch in table:
            return name[:i] + table[ch] + name[i + 1 :]
    return ""


def dot_variant(name: str, rng: np.random.Generator) -> str:
    """阿依古丽·买买提 written with another dot or none ('' for names without a dot)."""
    if DOT not in name:
        return ""
    return name.replace(DOT, DOT_VARIANTS[int(rng.integers(0, len(DOT_VARIANTS)))])
