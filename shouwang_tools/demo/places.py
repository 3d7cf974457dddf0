"""The demo county's townships, villages and villager groups, and which households live where."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOWNSHIP_ROOTS = (
    "龙河 三合 双桥 青龙 白马 石门 金竹 新田 高峰 太平 长岭 永兴 凤凰 大观 清溪 桂溪 沙坪 黄金 "
    "仁和 永安 南天 复兴 安坪 马鞍 鹿角 桃花 龙潭 红岩 柏林 兴隆"
).split()
VILLAGE_ROOTS = (
    "李家 花园 新建 团结 光明 和平 水井 坪上 石龙 大石 杨柳 中坝 长坝 双河 新华 红星 胜利 群力 "
    "大林 白果 松林 竹园 荷花 梨子 柑子 青杠 落水 龙门 仙女 高坪 观音 庙垭 青山 草坪 枫香 龙泉 "
    "金鸡 五一 太阳 月亮"
).split()


@dataclass(frozen=True)
class Geography:
    """Villages (one row each) and, per household, the village row and villager group."""

    villages: pd.DataFrame  # township, township_short, village, village_short, township_no, village_no
    household_village: np.ndarray  # index into villages, per household
    household_group: np.ndarray  # villager group number within the village, per household


def default_townships(households: int, at_3000: int) -> int:
    """Township count for a county of this size: ~6 at 3,000 households, growing with sqrt(N)."""
    return max(1, round(at_3000 * math.sqrt(households / 3000)))


def _names(roots: list[str], count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct place roots; beyond the list, new ones from two roots' characters."""
    names = list(rng.permutation(roots))
    seen = set(names)
    while len(names) < count:
        a, b = rng.choice(roots, 2, replace=False)
        candidate = a[0] + b[1]
        if candidate not in seen:
            seen.add(candidate)
            names.append(candidate)
    return names[:count]


def _split(total: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """Split `total` into `parts` uneven positive counts that sum to total."""
    weights = rng.uniform(0.7, 1.3, parts)
    counts = np.floor(weights / weights.sum() * total).astype(int)
    counts[: total - counts.sum()] += 1
    return counts


def build_geography(
    households: int, townships: int, cfg: dict, rng: np.random.Generator
) -> Geography:
    """Lay out townships (镇/乡/街道), villages (村/社区) and groups for `households` households."""
    lo, hi = cfg["villages_per_township"]
    min_hh = cfg["households_per_village_min"]
    rows, hh_village, hh_group = [], [], []
    per_township = _split(households, townships, rng)
    for t, (root, hh_t) in enumerate(zip(_names(TOWNSHIP_ROOTS, townships, rng), per_township)):
        # One 街道 (urban subdistrict) in larger counties, otherwise mostly 镇 with some 乡.
        suffix = "街道" if t == 0 and townships >= 4 else ("乡" if rng.random() < 0.25 else "镇")
        n_villages = max(1, min(int(rng.integers(lo, hi + 1)), hh_t // min_hh))
        for v, (vroot, hh_v) in enumerate(
            zip(_names(VILLAGE_ROOTS, n_villages, rng), _split(hh_t, n_villages, rng))
        ):
            vsuffix = "社区" if suffix == "街道" or (v == 0 and suffix == "镇") else "村"
            n_groups = max(1, round(hh_v / cfg["households_per_group"]))
            hh_village.append(np.full(hh_v, len(rows)))
            hh_group.append(np.arange(hh_v) * n_groups // max(hh_v, 1) + 1)
            rows.append(
                {
                    "township": root + suffix,
                    "township_short": root,
                    "village": vroot + vsuffix,
                    "village_short": vroot,
                    "township_no": t + 1,
                    "village_no": v + 1,
                }
            )
    return Geography(pd.DataFrame(rows), np.concatenate(hh_village), np.concatenate(hh_group))
