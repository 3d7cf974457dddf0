"""Notifications and escalations of overdue steps (issue 16): step clocks, notices, who saw what."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow


class WarningClock(Base):
    """One run of a step's clock on a warning (county policy `clocks:` in the rules YAML).

    A clock starts on an event (due in working days from that day), stops on another, and is
    escalated along its stages (a department owing a reply, the township, the county), once
    each. A clock that starts again after
    it stopped (a returned closure) is a new row: the earlier run keeps its dates.
    """

    __tablename__ = "warning_clocks"
    __table_args__ = (UniqueConstraint("warning_id", "clock", "started_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    clock: Mapped[str] = mapped_column(String(32))  # a key of the rules' `clocks:`
    started_on: Mapped[dt.date] = mapped_column(Date)  # county-local day of the start event
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_department_on: Mapped[dt.date | None] = mapped_column(Date)  # 归口核查's reply
    escalated_township_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_county_on: Mapped[dt.date | None] = mapped_column(Date)


class Notification(Base):
    """A message for an audience: a township's users, the county's, or a department's."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))  # overdue | escalated | returned | ...
    audience: Mapped[str] = mapped_column(String(16))  # township | county | department
    township: Mapped[str | None] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(64))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # words for people; never an ID or phone
    emailed_at: Mapped[dt.datetime | None]  # when SMTP is configured: sent once, by the SLA run


class NotificationSeen(Base):
    """The newest notification a user has opened the list at: the header counts newer ones."""

    __tablename__ = "notification_seen"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
