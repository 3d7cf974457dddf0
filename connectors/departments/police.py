"""公安 police: deaths, serious injuries and registration changes, one row per person and event."""
from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.contract import Contract, address, optional, person, required
from warehouse.masking import mask_cell

if TYPE_CHECKING:  # contracts are read at DAG parse time: no pandas import for a type
    import pandas as pd


def _scrub_note(frame: "pd.DataFrame") -> "pd.DataFrame":
    """事件说明 is free text: an ID or phone typed into it is masked before it is stored."""
    if "event_note" in frame:
        frame["event_note"] = [mask_cell(v) if isinstance(v, str) else v for v in frame["event_note"]]
    return frame


CONTRACT = Contract(
    department="police",
    label="公安",
    aliases=("公安局", "县公安局"),
    order=10,
    role="person",
    fields=(
        *person(),
        required("event_type", "事件类型", "enum",
                 allowed=("死亡", "意外伤残", "交通事故", "迁出", "迁入")),
        required("event_date", "事件日期", "date"),
        optional("event_note", "事件说明"),  # may name people, never IDs (FEEDS.md); scrubbed anyway
        *address(),
    ),
    after_normalize=_scrub_note,
)
