"""Official township and village names for records that spell them short (三合 / 三合街道)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import Region


def _key(text: object) -> str:
    """A place as written, trimmed; "" for anything but text (None, pandas' NaN)."""
    return text.strip() if isinstance(text, str) else ""


class PlaceNames:
    """Resolve a township or village to its official name via the regions table."""

    def __init__(self, session: Session) -> None:
        regions = session.execute(select(Region)).scalars().all()
        self._names = {r.id: r.name for r in regions}
        self._townships: dict[str, Region] = {}
        self._villages: dict[tuple[int | None, str], Region] = {}
        for r in regions:
            if r.level == "township":
                self._townships.setdefault(r.name, r)
                self._townships.setdefault(r.short_name, r)
            elif r.level == "village":
                self._villages.setdefault((r.parent_id, r.name), r)
                self._villages.setdefault((r.parent_id, r.short_name), r)

    def township(self, text: str | None, region_id: int | None = None) -> str | None:
        """The official township name for an id or a spelling; the text itself when unknown."""
        if region_id in self._names:
            return self._names[region_id]
        found = self._townships.get(_key(text))
        return found.name if found else (text if isinstance(text, str) else None)

    def village(self, township: str | None, text: str | None, region_id: int | None = None) -> str | None:
        """The official village name within ``township``; the text itself when unknown."""
        if region_id in self._names:
            return self._names[region_id]
        parent = self._townships.get(_key(township))
        found = self._villages.get((parent.id if parent else None, _key(text)))
        return found.name if found else (text if isinstance(text, str) else None)
