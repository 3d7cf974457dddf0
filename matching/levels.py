"""The comparison level library: the levels comparisons are composed of, and their ladder.

Every comparison has the same shape (as in Splink's comparison templates): null (level 0, no
weight), an exact level, the levels in between (most alike first), and else. A comparison
names only its in-between levels; ``ladder`` puts them in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

NULL = 0


@dataclass(frozen=True)
class Level:
    """One outcome of a comparison, named for code and worded for people."""

    name: str
    label_zh: str


EXACT = Level("exact", "一致")
ELSE = Level("else", "不一致")


def ladder(between: Sequence[Level] = (), exact: Level = EXACT) -> list[Level]:
    """The non-null levels of a comparison: exact, ``between`` (most alike first), else."""
    return [exact, *between, ELSE]


def at_thresholds(name: str, label_zh: str, thresholds: Sequence[float]) -> tuple[Level, ...]:
    """One level per threshold, its name and words formatted with the threshold ``t``."""
    return tuple(Level(name.format(t=t), label_zh.format(t=t)) for t in thresholds)


def threshold_grades(scores: np.ndarray, thresholds: Sequence[float], exact: np.ndarray,
                     higher: bool) -> np.ndarray:
    """Levels of an ``at_thresholds`` ladder: exact=1, then one per threshold, else last."""
    out = np.full(len(scores), len(thresholds) + 2, dtype=np.int8)
    for k, t in reversed(list(enumerate(thresholds))):
        hit = scores >= t if higher else scores <= t
        out[hit] = k + 2
    out[exact] = 1
    return out
