"""Self-reports and staff-entered leads: the channels besides department feeds (issue 17).

One row per input, as it arrived: the portal writes it (``portal/reports.py``) and the daily
merge fills in ``merged_at``, ``merge_result``, ``household_id`` and ``warning_id``. The resident
ID and the phone are sealed like the roster's (``warehouse.sensitive``), bound to ``uid``.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, IdentityColumns, utcnow

# Every way a report reaches the county besides the monthly feeds (DOMAIN.md "Intake").
CHANNELS = ("self_report", "hotline", "petition", "media", "city_feedback", "cadre", "grid")
# What the daily merge made of an input.
MERGE_RESULTS = ("matched", "lead", "duplicate", "warning", "unmatched")


class ChannelInput(IdentityColumns, Base):
    """A self-report or a staff-entered lead; ``receipt`` is the code the reporter keeps."""

    __tablename__ = "channel_inputs"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(16), unique=True)  # R8K2QH7M…, see portal/reports
    channel: Mapped[str] = mapped_column(String(16))  # CHANNELS
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM of the county-local date
    name: Mapped[str] = mapped_column(String(64))
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16))  # 138****5678
    township: Mapped[str] = mapped_column(String(64), index=True)  # official name (regions)
    village: Mapped[str] = mapped_column(String(64))
    grid: Mapped[str | None] = mapped_column(String(64))  # a grid worker's grid code
    township_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    risk_type: Mapped[str] = mapped_column(String(16))  # a code of the rules' risk_types
    description: Mapped[str | None] = mapped_column(Text)  # IDs and phones masked in it
    submitted_by: Mapped[str | None] = mapped_column(String(64))  # portal user; None: the public
    # Written by the daily merge (日汇总): when, what it made of the input, and what it touched.
    merged_at: Mapped[dt.datetime | None]
    merge_result: Mapped[str | None] = mapped_column(String(12))  # MERGE_RESULTS
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"), index=True)
