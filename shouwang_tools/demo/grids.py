"""The demo county's grid ledger (网格台账, FEEDS.md; seed 003 annex 2), written beside the roster.

One grid per villager group; a group of more than GRID_MAX households (all of them, on the
roster or not) is split into 「三组第一网格」, 「三组第二网格」… whose roster households are
listed by 户编号 in a second sheet, as seed 003's note 1 suggests. Each grid has a worker (the
group leader, a party member or another villager) and each village a cadre who answers for its
grids, with synthetic names and phones. Like the county's own files it is a little messy: some
villages write the township without its suffix and groups in Chinese numerals (三组 for 3组).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from shouwang.core.outputs import add_sheet, append_row, save_workbook, title_sheet
from shouwang_tools.demo.names import given_names, surnames
from shouwang_tools.demo.population import Population

FILE_NAME = "网格台账.xlsx"
# Seed 003: a grid covers 20-40 households (at most 70); a larger group is split.
GRID_MAX = 40
HEADERS = ("乡镇", "村", "村组网格名称", "农户数", "网格员姓名", "网格员身份", "网格员联系电话",
           "村级网格员姓名", "村级网格员职务", "村级网格员联系电话")
MEMBER_HEADERS = ("户编号", "村组网格名称")
WORKER_ROLES = (("村民组长", 0.75), ("党员", 0.15), ("其他（村民代表）", 0.10))
CADRE_TITLES = ("村党组织书记", "村委会主任", "驻村工作队队员", "包片干部")
ORDINALS = "一二三四五六七八九"
# Share of villages whose ledger writes groups in Chinese numerals / the township's short name.
CHINESE_GROUP_SHARE = 0.3
SHORT_TOWNSHIP_SHARE = 0.2


@dataclass(frozen=True)
class GridLedger:
    """What was written: the file, its grids, and how many were split groups."""

    path: Path
    grids: int
    split_grids: int
    listed_households: int


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (villager groups stay under 100)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{ORDINALS[tens - 1]}十")
    return head + (ORDINALS[ones - 1] if ones else "") if n else "零"


def _people(rng: np.random.Generator, n: int) -> np.ndarray:
    male = rng.random(n) < 0.7  # group leaders are mostly men in the seeds' villages
    return np.char.add(surnames(rng, n).astype(str), given_names(rng, male).astype(str))


def _phones(rng: np.random.Generator, n: int, prefixes: list[str]) -> list[str]:
    picked = np.array(prefixes, dtype=object)[rng.integers(0, len(prefixes), n)]
    return [f"{p}{t:04d}" for p, t in zip(picked, rng.integers(0, 10000, n))]


def write_grid_ledger(pop: Population, path: Path, rng: np.random.Generator,
                      phone_prefixes: list[str], grid_max: int = GRID_MAX) -> GridLedger:
    """Write the county's grid ledger to ``path`` (XLSX: 网格台账 and, for split groups, 网格农户);
    a group of more than ``grid_max`` households is split."""
    hh = pop.households
    vil = pop.villages
    rows, members = [], []
    village_idx, groups = hh["village_idx"].to_numpy(), hh["group"].to_numpy()
    numbers = hh["household_no"].to_numpy()
    cadres = _people(rng, len(vil))
    cadre_phones = _phones(rng, len(vil), phone_prefixes)
    roles, shares = zip(*WORKER_ROLES)
    for v, place in vil.iterrows():
        chinese = rng.random() < CHINESE_GROUP_SHARE
        township = place["township_short"] if rng.random() < SHORT_TOWNSHIP_SHARE else place["township"]
        cadre_title = CADRE_TITLES[int(rng.integers(0, len(CADRE_TITLES)))]
        in_village = village_idx == v
        for group in np.unique(groups[in_village]):
            hids = np.flatnonzero(in_village & (groups == group))
            label = f"{chinese_number(int(group)) if chinese else int(group)}组"
            parts = -(-len(hids) // grid_max)  # ceil: every grid at most grid_max households
            for k, part in enumerate(np.array_split(hids, parts)):
                name = label if parts == 1 else f"{label}第{ORDINALS[k]}网格"
                if parts > 1:
                    members += [(no, name) for no in numbers[part] if no]
                worker = _people(rng, 1)[0]
                rows.append((township, place["village"], name, len(part), worker,
                             rng.choice(roles, p=shares), _phones(rng, 1, phone_prefixes)[0],
                             cadres[v], cadre_title, cadre_phones[v]))
    wb = Workbook()
    ws = wb.active
    title_sheet(ws, "网格台账")
    append_row(ws, HEADERS)
    for row in rows:
        append_row(ws, row)
    if members:
        listed = add_sheet(wb, "网格农户")
        append_row(listed, MEMBER_HEADERS)
        for row in members:
            append_row(listed, row)
    save_workbook(wb, path)
    split = sum(1 for r in rows if "网格" in r[2])
    return GridLedger(Path(path), len(rows), split, len(members))
