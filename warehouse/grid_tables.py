"""Grids under villages (seed 003 村组网格) and which roster household each one holds (issue 17).

``shouwang grids load`` (connectors/grids.py) replaces both tables in one transaction. A grid is
named as the village's ledger names it: township, village and 村组网格名称 (``name``); a grid
user (``users.grid``) holds that name. The grid worker's and the village cadre's phones are
sealed like every phone (``warehouse.sensitive``, AAD bound to ``uid``) beside a blind index
and the masked form people see in lists (138****5678); see docs/grids.md for who sees more.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow


def _uid() -> str:
    return uuid.uuid4().hex


class Grid(Base):
    """One 村组网格 of the grid ledger (基层网格工作台账): its worker and answering village cadre."""

    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("township", "village", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), default=_uid, unique=True)
    township: Mapped[str] = mapped_column(String(64), index=True)  # official, as the roster's
    village: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))  # 村组网格名称: 三组, 三组第一网格
    group_name: Mapped[str | None] = mapped_column(String(64))  # the villager group it covers
    households_declared: Mapped[int | None] = mapped_column(Integer)  # the ledger's 农户数
    worker_name: Mapped[str | None] = mapped_column(String(64))
    worker_role: Mapped[str | None] = mapped_column(String(64))  # 村民组长 | 党员 | other, in words
    worker_phone_cipher: Mapped[str | None] = mapped_column(Text)
    worker_phone_index: Mapped[str | None] = mapped_column(String(32))
    worker_phone_masked: Mapped[str | None] = mapped_column(String(24))
    cadre_name: Mapped[str | None] = mapped_column(String(64))  # 村级网格员
    cadre_title: Mapped[str | None] = mapped_column(String(64))
    cadre_phone_cipher: Mapped[str | None] = mapped_column(Text)
    cadre_phone_index: Mapped[str | None] = mapped_column(String(32))
    cadre_phone_masked: Mapped[str | None] = mapped_column(String(24))
    source_file: Mapped[str] = mapped_column(String(255))
    source_row: Mapped[int] = mapped_column(Integer)  # the ledger row, as Excel shows it
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HouseholdGrid(Base):
    """The grid a roster household belongs to: exactly one per active household."""

    __tablename__ = "household_grids"
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    township: Mapped[str] = mapped_column(String(64), index=True)  # the row policy's bound
