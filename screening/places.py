"""Official township and village names for records that spell them short (三合 / 三合街道)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from connectors.regions import RegionIndex, configured_suffixes


class PlaceNames:
    """Resolve a township or village to its official name via the regions table.

    Names go through ``connectors.regions`` (the suffixes of settings ``ingest.region_suffixes``),
    so screening reads a place exactly as the connector that loaded it did.
    """

    def __init__(self, session: Session, suffixes: dict | None = None) -> None:
        self._index = RegionIndex.from_connection(
            session, configured_suffixes() if suffixes is None else suffixes)
        self._names = self._index.names

    def township(self, text: str | None, region_id: int | None = None) -> str | None:
        """The official township name for an id or a spelling; the text itself when unknown."""
        if region_id in self._names:
            return self._names[region_id]
        found = self._index.resolve(text, None)[0]
        return found.name if found.region_id is not None else _as_given(text)

    def village(self, township: str | None, text: str | None, region_id: int | None = None) -> str | None:
        """The official village name within ``township``; the text itself when unknown."""
        if region_id in self._names:
            return self._names[region_id]
        found = self._index.resolve(township, text)[1]
        return found.name if found.region_id is not None else _as_given(text)


def _as_given(text: object) -> str | None:
    """An unknown place is shown as written; anything but text (None, NaN) is no place."""
    return text if isinstance(text, str) else None
