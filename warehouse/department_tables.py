"""Routed department checks (归口核查) and their replies (issue 19)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow


class DepartmentCheck(Base):
    """A warning routed by its township or the county to the department owning its risk type
    (seed 000 step 3, seed 003 二(三)), and that department's reply.

    ``township`` repeats the warning's so the PostgreSQL policy needs no join back to warnings
    (whose own department policy reads this table). A warning routed again after a reply is a
    new row; the earlier one keeps its answer.
    """

    __tablename__ = "department_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)  # a contract's module name
    township: Mapped[str | None] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(Text)  # the router's words; masked for IDs/phones
    routed_by: Mapped[str] = mapped_column(String(64))
    routed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_on: Mapped[dt.date] = mapped_column(Date)  # county day the reply is due (working days)
    status: Mapped[str] = mapped_column(String(12), default="routed")  # routed | replied
    finding: Mapped[str | None] = mapped_column(Text)  # 核查情况
    measure: Mapped[str | None] = mapped_column(Text)  # 处理建议/帮扶措施
    reply_note: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[str | None] = mapped_column(String(64))
    replied_at: Mapped[dt.datetime | None]
