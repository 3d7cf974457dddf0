"""The demo county's people: roster households and the residents not on the roster ("strangers")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shouwang_tools.demo import names
from shouwang_tools.demo.ids import ORDER_SLOTS, make_ids, seq_for_order_slot
from shouwang_tools.demo.places import Geography, build_geography, default_townships

# Household make-ups by size: relations after the head, and the head's age range that keeps
# every member's age plausible. "child" is a son or a daughter, "grandchild" likewise.
TEMPLATES: dict[int, list[tuple[float, tuple[str, ...], tuple[int, int]]]] = {
    1: [(0.6, (), (40, 85)), (0.4, (), (22, 60))],
    2: [(0.7, ("配偶",), (25, 80)), (0.2, ("child",), (40, 60)), (0.1, ("之母",), (25, 45))],
    3: [(0.75, ("配偶", "child"), (28, 58)), (0.25, ("配偶", "之母"), (26, 48))],
    4: [(0.7, ("配偶", "child", "child"), (34, 58)), (0.3, ("配偶", "child", "之母"), (34, 52))],
    5: [
        (0.5, ("配偶", "之子", "儿媳", "grandchild"), (56, 72)),
        (0.3, ("配偶", "child", "child", "之母"), (36, 50)),
        (0.2, ("配偶", "child", "child", "child"), (38, 56)),
    ],
    6: [
        (0.6, ("配偶", "之子", "儿媳", "grandchild", "grandchild"), (58, 74)),
        (0.4, ("配偶", "child", "child", "之父", "之母"), (36, 48)),
    ],
    7: [(1.0, ("配偶", "之子", "儿媳", "grandchild", "grandchild", "之母"), (56, 66))],
}
# Age relative to the head (years): a range per relation.
AGE_OFFSET = {
    "户主": (0, 0), "配偶": (-5, 3), "child": (-34, -22), "之子": (-34, -24), "儿媳": (-36, -22),
    "grandchild": (-62, -48), "之父": (24, 32), "之母": (22, 30),
}
SEX_OF = {"之子": True, "之父": True, "儿媳": False, "之母": False}  # True = male
LABOUR = {  # age band → (capacities, shares)
    "child": (["无劳动力"], [1.0]),
    "adult": (["普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力"], [0.6, 0.2, 0.15, 0.05]),
    "senior": (["弱劳动力或半劳动力", "普通劳动力", "丧失劳动力"], [0.6, 0.3, 0.1]),
    "old": (["无劳动力", "丧失劳动力"], [0.7, 0.3]),
}


@dataclass(frozen=True)
class Population:
    """Every household and person of the county; `on_roster` marks the 花名册 ones."""

    villages: pd.DataFrame
    households: pd.DataFrame  # one row per household (index = hid)
    persons: pd.DataFrame  # one row per person (index = pid), in roster order within households
    _arrays: dict = field(default_factory=dict, repr=False, compare=False)

    def person(self, column: str) -> np.ndarray:
        """A persons column as a numpy array, converted once (pandas string columns are slow to index)."""
        key = ("person", column)
        if key not in self._arrays:
            self._arrays[key] = self.persons[column].to_numpy()
        return self._arrays[key]

    def household(self, column: str) -> np.ndarray:
        """A households column as a numpy array, converted once."""
        key = ("household", column)
        if key not in self._arrays:
            self._arrays[key] = self.households[column].to_numpy()
        return self._arrays[key]


def _pick(rng: np.random.Generator, options: list, shares: list[float], size: int) -> np.ndarray:
    shares = np.asarray(shares, dtype=float)
    arr = np.empty(len(options), dtype=object)
    arr[:] = options
    return arr[rng.choice(len(options), size=size, p=shares / shares.sum())]


def _households(roster_n: int, geo: Geography, cfg: dict, rng: np.random.Generator) -> pd.DataFrame:
    total = len(geo.household_village)
    on_roster = np.zeros(total, dtype=bool)
    on_roster[rng.choice(total, roster_n, replace=False)] = True
    sizes = cfg["household_sizes"]
    hh = pd.DataFrame(
        {
            "village_idx": geo.household_village,
            "group": geo.household_group,
            "on_roster": on_roster,
            "size": _pick(rng, list(sizes), list(sizes.values()), total).astype(int),
        }
    )
    types = cfg["household_types"]
    kind = _pick(rng, list(types), [v[0] for v in types.values()], total)
    uneliminated = np.array([types[k][1] or 0.0 for k in kind]) > rng.random(total)
    monitored = np.array([types[k][1] is not None for k in kind])
    status = np.where(monitored, np.where(uneliminated, "风险未消除", "风险已消除"), "")
    band = np.where(monitored, status, kind)
    income = np.empty(total)
    for key, (lo, hi) in cfg["income_per_capita"].items():
        mask = band == key
        income[mask] = rng.uniform(lo, hi, mask.sum())
    hh["household_type"] = np.where(on_roster, kind, "")
    hh["risk_status"] = np.where(on_roster, status, "")
    hh["income_per_capita"] = np.round(income, -1)
    return hh


def _members(hh: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per person: household, position, relation, sex and age, by household template."""
    parts = []
    for size, templates in TEMPLATES.items():
        hids = hh.index[hh["size"].to_numpy() == size].to_numpy()
        choice = rng.choice(len(templates), len(hids), p=[t[0] for t in templates])
        for t_no, (_, rels, (lo, hi)) in enumerate(templates):
            ids = hids[choice == t_no]
            if not len(ids):
                continue
            head_age = rng.integers(lo, hi + 1, len(ids))
            head_male = rng.random(len(ids)) < 0.85
            for member, rel in enumerate(("户主",) + rels, start=1):
                olo, ohi = AGE_OFFSET[rel]
                age = np.clip(head_age + rng.integers(olo, ohi + 1, len(ids)), 0, 96)
                if rel == "户主":
                    male = head_male
                elif rel == "配偶":
                    male = ~head_male
                elif rel in SEX_OF:
                    male = np.full(len(ids), SEX_OF[rel])
                else:
                    male = rng.random(len(ids)) < 0.52
                relation = np.full(len(ids), rel, dtype=object)
                if rel == "child":
                    relation = np.where(male, "之子", "之女")
                elif rel == "grandchild":
                    relation = np.where(male, "之孙子", "之孙女")
                parts.append(
                    pd.DataFrame(
                        {"hid": ids, "member": member, "relation": relation, "male": male, "age": age}
                    )
                )
    people = pd.concat(parts, ignore_index=True)
    return people.sort_values(["hid", "member"], kind="stable").reset_index(drop=True)


def _names_for(people: pd.DataFrame, hh: pd.DataFrame, cfg: dict, rng: np.random.Generator) -> np.ndarray:
    """Family surnames follow the father's line; spouses and in-laws bring their own."""
    n = len(people)
    own_surname = names.surnames(rng, n)
    hid = people["hid"].to_numpy()
    relation = people["relation"].to_numpy()
    head_rows = np.flatnonzero(people["member"].to_numpy() == 1)
    head_of = np.empty(len(hh), dtype=np.int64)
    head_of[hid[head_rows]] = head_rows
    spouse_of = np.full(len(hh), -1, dtype=np.int64)
    spouse_rows = np.flatnonzero(relation == "配偶")
    spouse_of[hid[spouse_rows]] = spouse_rows
    head = head_of[hid]
    head_male = people["male"].to_numpy()[head]
    # The family line: the head's surname if he is a man, else the husband's, if any.
    line = np.where(head_male | (spouse_of[hid] < 0), head, spouse_of[hid])
    line_surname = own_surname[line]
    takes_line = np.isin(relation, ["之子", "之女", "之孙子", "之孙女"])
    takes_head = relation == "之父"
    surname = np.where(takes_line, line_surname, np.where(takes_head, own_surname[head], own_surname))
    full = surname + names.given_names(rng, people["male"].to_numpy())
    minority_hh = rng.random(len(hh)) < cfg["minority_share"]
    minority_hh[rng.choice(len(hh), 2, replace=False)] = True  # small counties have some too
    mask = minority_hh[hid]
    if mask.any():
        full[mask] = names.minority_names(rng, people["male"].to_numpy()[mask])
    return full


def _resident_ids(
    people: pd.DataFrame, county_code: str, reference: dt.date, cfg: dict, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates consistent with ages, and valid synthetic IDs from warehouse.identity.make_id."""
    n = len(people)
    days = people["age"].to_numpy() * 365 + rng.integers(1, 365, n)
    birth = np.datetime64(reference) - days.astype("timedelta64[D]")
    base = int(county_code)
    offsets = np.array([0] + list(cfg["id_regions"]["offsets"]))
    same = cfg["id_regions"]["same"]
    shares = [same] + [(1 - same) / (len(offsets) - 1)] * (len(offsets) - 1)
    region = base + offsets[rng.choice(len(offsets), n, p=shares)]
    male = people["male"].to_numpy()
    # Real order codes spread over 000-999: each group sharing region, birthday and sex starts at
    # a random slot and takes consecutive ones, so codes look drawn at random yet never repeat.
    key = (region * 100_000 + birth.astype(np.int64)) * 2 + male
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sizes = np.diff(np.r_[starts, n])
    if sizes.max() > ORDER_SLOTS:
        raise ValueError(f"{sizes.max()} people share a region, birthday and sex; at most {ORDER_SLOTS} fit")
    rank = np.arange(n) - np.repeat(starts, sizes)
    first = np.repeat(rng.integers(0, ORDER_SLOTS, len(starts)), sizes)
    slot = np.empty(n, dtype=np.int64)
    slot[order] = (first + rank) % ORDER_SLOTS
    ids = make_ids(region, birth, seq_for_order_slot(slot), male)
    return birth, ids


def _labour(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    band = np.select([age < 16, age < 60, age < 70], ["child", "adult", "senior"], "old")
    out = np.empty(len(age), dtype=object)
    for key, (options, shares) in LABOUR.items():
        mask = band == key
        out[mask] = _pick(rng, options, shares, int(mask.sum()))
    return out


def _phones(people: pd.DataFrame, cfg: dict, rng: np.random.Generator) -> np.ndarray:
    """Synthetic phones (1380000xxxx patterns): most heads, some other adults."""
    n = len(people)
    share = np.where(people["member"].to_numpy() == 1, cfg["phone_share"], cfg["phone_share"] * 0.3)
    has = (rng.random(n) < share) & (people["age"].to_numpy() >= 18)
    prefix = np.array(cfg["phone_prefixes"], dtype=object)[rng.integers(0, len(cfg["phone_prefixes"]), n)]
    tail = np.char.zfill(rng.integers(0, 10000, n).astype(str), 4).astype(object)
    return np.where(has, prefix + tail, "")


def build_population(
    households: int, county_code: str, cfg: dict, rng: np.random.Generator, townships: int | None = None
) -> Population:
    """The whole county: `households` roster households plus the residents not on the roster."""
    total = households + round(households * cfg["stranger_share"])
    k = townships or default_townships(households, cfg["townships_at_3000"])
    geo = build_geography(total, k, cfg, rng)
    hh = _households(households, geo, cfg, rng)
    people = _members(hh, rng)
    reference = dt.date.fromisoformat(str(cfg["age_reference"]))
    people["name"] = _names_for(people, hh, cfg, rng)
    people["birth"], people["resident_id"] = _resident_ids(people, county_code, reference, cfg, rng)
    people["sex"] = np.where(people["male"], "男", "女")
    people["labour_capacity"] = _labour(people["age"].to_numpy(), rng)
    people["phone"] = _phones(people, cfg, rng)
    people["on_roster"] = hh["on_roster"].to_numpy()[people["hid"].to_numpy()]
    hh["household_size"] = np.bincount(people["hid"], minlength=len(hh))
    hh["head_pid"] = people.index[people["member"] == 1].to_numpy()
    vil = geo.villages
    roster_rank = np.cumsum(hh["on_roster"].to_numpy())
    # 16 digits: never mistaken for an 18- or 15-digit resident ID by a leak scan.
    hh["household_no"] = np.where(
        hh["on_roster"],
        [
            f"{county_code}{t:02d}{v:02d}{r:06d}"
            for t, v, r in zip(
                vil["township_no"].to_numpy()[hh["village_idx"]],
                vil["village_no"].to_numpy()[hh["village_idx"]],
                roster_rank,
            )
        ],
        "",
    )
    people["household_no"] = hh["household_no"].to_numpy()[people["hid"].to_numpy()]
    people["village_idx"] = hh["village_idx"].to_numpy()[people["hid"].to_numpy()]
    people["group"] = hh["group"].to_numpy()[people["hid"].to_numpy()]
    return Population(vil, hh, people)
