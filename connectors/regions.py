"""Place names with or without their suffix (龙河 / 龙河镇), resolved against the regions table.

The one place-name normalizer: connectors, matching (``matching.normalize.region_short``) and
screening (``screening.places``) all strip the suffixes of settings ``ingest.region_suffixes``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.engine import Engine

from connectors.normalize import is_blank
from shouwang import config

LEVELS = ("county", "township", "village", "group")
# The levels a feed's place cells name: a place whose level is unknown may carry either's suffix.
PLACE_LEVELS = ("township", "village")
_SPACES = re.compile(r"[\s\u3000]+")


def place_text(value: object) -> str | None:
    """A place cell as text, or None when it names no place (None, NaN, a number, a blank or a
    spreadsheet placeholder such as #N/A)."""
    if not isinstance(value, str) or is_blank(value):
        return None
    return value.strip() or None


def short_name(name: object, suffixes: tuple[str, ...]) -> str:
    """The name without its administrative suffix (三合街道 → 三合); unchanged if nothing is left.

    Anything that is not a place name (None, NaN, a placeholder) gives "".
    """
    s = _SPACES.sub("", place_text(name) or "")
    for suf in sorted(suffixes, key=len, reverse=True):
        if s.endswith(suf) and len(s) > len(suf):
            return s[: -len(suf)]
    return s


def region_suffixes(settings: dict) -> dict[str, tuple[str, ...]]:
    """Suffixes per level (settings ``ingest.region_suffixes``), longest first."""
    table = settings.get("ingest", {}).get("region_suffixes", {}) or {}
    return {lvl: tuple(sorted(table.get(lvl, ()), key=len, reverse=True)) for lvl in LEVELS}


def configured_suffixes() -> dict[str, tuple[str, ...]]:
    """``region_suffixes`` of the merged settings, for code that is handed no settings."""
    return region_suffixes(config.settings())


def any_place_suffixes(suffixes: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The township and village suffixes together, longest first (a place of either level)."""
    merged = {suf for lvl in PLACE_LEVELS for suf in suffixes.get(lvl, ())}
    return tuple(sorted(merged, key=lambda suf: (-len(suf), suf)))


@dataclass(frozen=True)
class Place:
    """A resolved township or village: its official name and its regions.id (None if unknown)."""

    name: str | None
    region_id: int | None


class RegionIndex:
    """Townships and villages of the county, looked up by short name."""

    def __init__(self, rows: list[tuple[int, str, str, str, int | None]], suffixes: dict):
        self.suffixes = {lvl: tuple(suffixes.get(lvl, ())) for lvl in LEVELS}
        self._township: dict[str, tuple[int, str]] = {}
        self._village: dict[tuple[int | None, str], tuple[int, str]] = {}
        self._village_any: dict[str, list[tuple[int, str, int | None]]] = {}
        self._names: dict[int, str] = {}
        for rid, level, name, short, parent in rows:
            self._names[rid] = name
            if level == "township":
                self._township[short] = (rid, name)
            elif level == "village":
                self._village[(parent, short)] = (rid, name)
                self._village_any.setdefault(short, []).append((rid, name, parent))
        self.resolve = lru_cache(maxsize=65536)(self._resolve)

    @classmethod
    def from_db(cls, engine: Engine, suffixes: dict) -> "RegionIndex":
        """Load the regions table (empty index when no roster was loaded yet)."""
        with engine.connect() as conn:
            return cls.from_connection(conn, suffixes)

    @classmethod
    def from_connection(cls, conn, suffixes: dict) -> "RegionIndex":
        """Load the regions table through an open connection or ORM session."""
        from warehouse.models import Region

        rows = conn.execute(select(Region.id, Region.level, Region.name, Region.short_name,
                                   Region.parent_id)).all()
        return cls([tuple(r) for r in rows], suffixes)

    @property
    def names(self) -> dict[int, str]:
        """Official name of every region id."""
        return self._names

    def __len__(self) -> int:
        return len(self._township) + len(self._village)

    def _resolve(self, township: str | None, village: str | None) -> tuple[Place, Place]:
        """Official township and village for the names as written; unknown names stay as given."""
        township, village = place_text(township), place_text(village)
        t_short = short_name(township, self.suffixes["township"])
        v_short = short_name(village, self.suffixes["village"])
        t_hit = self._township.get(t_short)
        t_place = Place(t_hit[1], t_hit[0]) if t_hit else Place(township, None)
        v_hit = self._village.get((t_hit[0], v_short)) if t_hit else None
        if v_hit is None and v_short and not t_hit:
            # The township is blank or misspelt: a village name unique in the county still
            # tells both places.
            candidates = self._village_any.get(v_short, [])
            if len(candidates) == 1:
                rid, name, parent = candidates[0]
                v_hit = (rid, name)
                if parent in self._names:
                    t_place = Place(self._names[parent], parent)
        v_place = Place(v_hit[1], v_hit[0]) if v_hit else Place(village, None)
        return t_place, v_place
