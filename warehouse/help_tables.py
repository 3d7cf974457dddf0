"""The help loop's tables: policy list, contact cadres, measures, visits, risk elimination (issue 18)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow


class Policy(Base):
    """One row of the county's policy list (政策清单, seed 002 annex 1) with its eligibility rule.

    Loading a list replaces every row (screening.policies); until a county loads its own, the
    shipped default list (screening/policies_default.yaml) is loaded. ``rule`` is the JSON of the
    policy's ``when`` conditions in the screening rule language, validated at load time;
    ``risk_types`` the JSON list of the risk types it answers.
    """

    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the county's list
    name: Mapped[str] = mapped_column(String(64), unique=True)  # 帮扶政策
    help_type: Mapped[str] = mapped_column(String(32))  # 帮扶类型 (产业/就业/健康/教育/…)
    kind: Mapped[str] = mapped_column(String(8))  # 开发式 | 兜底
    content: Mapped[str | None] = mapped_column(Text)  # 帮扶政策具体内容
    target_group: Mapped[str | None] = mapped_column(Text)  # 适用人群
    target_condition: Mapped[str | None] = mapped_column(Text)  # 适用人群条件
    procedure: Mapped[str | None] = mapped_column(Text)  # 申报程序（相关资料）
    department: Mapped[str | None] = mapped_column(String(64))  # the department that runs it
    contact: Mapped[str | None] = mapped_column(Text)  # 部门、联系人及电话; mobiles masked
    risk_types: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    rule: Mapped[str] = mapped_column(Text)  # JSON: {"when": [...], "reason": "..."}
    source: Mapped[str] = mapped_column(String(255))  # 'default' or the loaded file's name
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
