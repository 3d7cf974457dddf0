"""A generated county for the matching benchmark: roster persons and noisy department records.

Kept beside the demo generator's county (``source: demo`` in county.yaml, the default, reads
``shouwang generate``'s files instead; ``source: bench`` uses this one); the noise follows
FEEDS.md (mistyped, Excel-mangled, blank and 15-digit IDs; traditional characters, spaces,
homophones; township and village suffixes). IDs are synthetic (``make_id``) and leave this
module only as blind keys, through the warehouse's own ``identity_columns``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from matching.normalize import region_short
from warehouse.crypto import Vault
from warehouse.identity import make_id
from warehouse.sensitive import identity_columns

DEMO = "demo"  # county.yaml `source`: the demo generator's files (bench/demo_county.py)
HEAD_DEPARTMENTS = ("housing", "water", "emergency")
PERSON_DEPARTMENTS = ("health", "medical_insurance", "civil_affairs", "hr", "education")
RELATIONS = ("配偶", "之子", "之女", "之母", "之孙子")


@dataclass
class County:
    """Roster persons, feed records and the true person of each record (None: stranger)."""

    persons: pd.DataFrame
    records: pd.DataFrame
    truth: dict[int, int | None]


def load_config(overrides: dict | None = None) -> dict:
    """The generator's settings (county.yaml) with overrides."""
    text = resources.files("shouwang_tools.bench").joinpath("county.yaml").read_text(encoding="utf-8")
    return {**yaml.safe_load(text), **(overrides or {})}


class _Maker:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg["seed"])
        self.seq = 0

    def pick(self, items):
        return items[int(self.rng.integers(len(items)))]

    def name(self, surname: str) -> str:
        n = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.pick(self.cfg["given_chars"]) for _ in range(n))

    def resident_id(self, birth: dt.date, male: bool) -> str:
        self.seq += 1
        cfg = self.cfg
        region = cfg["county_region"]
        if self.rng.random() < cfg["other_region_share"]:
            region = self.pick(cfg["other_regions"])
        return make_id(region, birth, int(self.rng.integers(0, 100_000)) + self.seq, male)

    def birth(self, lo: int, hi: int) -> dt.date:
        return dt.date(int(self.rng.integers(lo, hi)), int(self.rng.integers(1, 13)),
                       int(self.rng.integers(1, 29)))


def _places(cfg: dict) -> list[tuple[str, str]]:
    """(township, village) pairs, enough for households_per_village."""
    stems = cfg["place_stems"]
    n_villages = max(1, round(cfg["households"] / cfg["households_per_village"]))
    places = []
    for k in range(n_villages):
        t = k // cfg["villages_per_township"]
        town = stems[t % len(stems)] + (stems[t // len(stems) % len(stems)] if t >= len(stems) else "")
        town += cfg["township_suffixes"][t % len(cfg["township_suffixes"])]
        a, b = stems[k % len(stems)], stems[(k // len(stems) + k) % len(stems)]
        village = (a + b if a != b else a) + cfg["village_suffixes"][k % len(cfg["village_suffixes"])]
        places.append((town, village))
    return places


def _roster(mk: _Maker) -> list[dict]:
    people = []
    places = _places(mk.cfg)
    for h in range(mk.cfg["households"]):
        place = h % len(places)
        town, village = places[place]
        # Villages are clans: a few surnames dominate each one.
        clan = mk.cfg["surnames"][(place % 7) * 3: (place % 7) * 3 + 3]
        surname = mk.pick(clan) if mk.rng.random() < 0.6 else mk.pick(mk.cfg["surnames"])
        head_birth = mk.birth(1945, 1992)
        size = int(mk.rng.integers(1, 6))
        for k in range(size):
            relation = "户主" if k == 0 else mk.pick(RELATIONS)
            if relation == "之母":
                birth = mk.birth(1930, max(1931, head_birth.year - 18))
            elif relation == "配偶":
                birth = mk.birth(head_birth.year - 5, head_birth.year + 5)
            else:
                birth = mk.birth(min(head_birth.year + 20, 2019), 2020)
            male = bool(mk.rng.random() < 0.5)
            people.append({
                "person_key": len(people), "household_key": h, "relation": relation,
                "name": mk.name(surname if relation != "配偶" else mk.pick(mk.cfg["surnames"])),
                "township": town, "village": village, "raw_id": mk.resident_id(birth, male),
            })
    return people


def _noisy_id(mk: _Maker, raw: str) -> str:
    noise, r = mk.cfg["noise"], mk.rng.random()
    cuts = np.cumsum([noise["id_typo"], noise["id_excel"], noise["id_blank"], noise["id_15"]])
    if r < cuts[0]:
        i = int(mk.rng.integers(0, 16))
        if mk.rng.random() < 0.5 and raw[i] != raw[i + 1]:
            return raw[:i] + raw[i + 1] + raw[i] + raw[i + 2:]
        return raw[:i] + str((int(raw[i]) + 1 + int(mk.rng.integers(0, 8))) % 10) + raw[i + 1:]
    if r < cuts[1]:
        return raw[:15] + "000"
    if r < cuts[2]:
        return ""
    if r < cuts[3] and raw[6:8] == "19":
        return raw[:6] + raw[8:17]
    return raw


def _noisy_name(mk: _Maker, name: str, s2t) -> str:
    noise, r = mk.cfg["noise"], mk.rng.random()
    if r < noise["name_traditional"]:
        return s2t.convert(name)
    if r < noise["name_traditional"] + noise["name_spaces"]:
        return " ".join(name)
    if r < noise["name_traditional"] + noise["name_spaces"] + noise["name_homophone"]:
        return "".join(mk.cfg["homophones"].get(ch, ch) for ch in name)
    return name


def _noisy_place(mk: _Maker, place: str) -> str:
    if mk.rng.random() >= mk.cfg["noise"]["region_suffix"]:
        return place
    return region_short(place)


def _record(mk: _Maker, person: dict, role: str, department: str, s2t) -> dict:
    return {
        "department": department, "role": role,
        "name": _noisy_name(mk, person["name"], s2t),
        "township": _noisy_place(mk, person["township"]),
        "village": _noisy_place(mk, person["village"]),
        "raw_id": _noisy_id(mk, person["raw_id"]),
    }


def generate(vault: Vault, overrides: dict | None = None) -> County:
    """Build the county; IDs are replaced by the warehouse's blind keys before returning."""
    import opencc

    cfg = load_config(overrides)
    mk = _Maker(cfg)
    s2t = opencc.OpenCC("s2t")
    roster = _roster(mk)
    records, truth_keys = [], []
    for p in roster:
        if mk.rng.random() >= cfg["person_share"]:
            continue
        is_head = p["relation"] == "户主"
        dept = mk.pick(HEAD_DEPARTMENTS if is_head and mk.rng.random() < 0.5 else PERSON_DEPARTMENTS)
        records.append(_record(mk, p, "head" if dept in HEAD_DEPARTMENTS else "person", dept, s2t))
        truth_keys.append(p["person_key"])
    n_strangers = int(len(records) * cfg["stranger_share"] / (1 - cfg["stranger_share"]))
    for _ in range(n_strangers):
        host = roster[int(mk.rng.integers(len(roster)))]
        birth = mk.birth(1945, 2015)
        name = host["name"] if mk.rng.random() < cfg["namesake_share"] else mk.name(
            mk.pick(cfg["surnames"]))
        stranger = {**host, "name": name, "raw_id": mk.resident_id(birth, bool(mk.rng.random() < .5))}
        records.append(_record(mk, stranger, "person", mk.pick(PERSON_DEPARTMENTS), s2t))
        truth_keys.append(None)
    persons = _with_identity(vault, pd.DataFrame(roster), "persons")
    recs = _with_identity(vault, pd.DataFrame(records), "feed_records")
    recs["record_key"] = np.arange(len(recs))
    return County(persons, recs, dict(zip(recs["record_key"].tolist(), truth_keys)))


def _with_identity(vault: Vault, frame: pd.DataFrame, table: str) -> pd.DataFrame:
    cols = [identity_columns(vault, table, f"{table}-{i}", raw) for i, raw in enumerate(frame["raw_id"])]
    ident = pd.DataFrame(cols, index=frame.index).drop(columns=["id_cipher"])
    return pd.concat([frame.drop(columns=["raw_id"]), ident], axis=1)
