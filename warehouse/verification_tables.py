"""The verification loop's tables: identification steps (issue 16).

Steps are append-only like ``warning_history``: a correction is a new row, the latest row of a
step in the warning's current identification round stands (screening.verification).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow


class IdentificationStep(Base):
    """One identification step (承诺授权, 民主评议, 公示, 县级确认, 录入系统) as it happened on paper."""

    __tablename__ = "identification_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    # Which time the warning went into identifying (verification_tasks.identification_round).
    round: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(16))  # pledge | review | notice | confirm | entered
    day: Mapped[dt.date] = mapped_column(Date)  # the paper date (a notice's first day)
    end_date: Mapped[dt.date | None] = mapped_column(Date)  # a notice's last day
    result: Mapped[str | None] = mapped_column(String(8))  # review: pass | reject
    note: Mapped[str | None] = mapped_column(Text)  # words for people; masked for IDs/phones
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
