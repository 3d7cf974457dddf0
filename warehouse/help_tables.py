"""The help loop's tables: policy list, contact cadres, measures, visits, risk elimination (issue 18)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
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


# --- the household's case (F2): append-only, the latest row of a kind stands -----------------


class CaseRow:
    """What every row of a household's case has: the household, who recorded it and when.

    The case tables only append (triggers, migration 0014); ``sort_order`` keeps ``id`` and
    ``household_id`` first and ``actor``/``recorded_at`` last, as the migration lays them out."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True,
                                              sort_order=-1)
    actor: Mapped[str] = mapped_column(String(64), sort_order=1)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow, sort_order=2)


class HelpContact(CaseRow, Base):
    """A household's contact cadre (监测帮扶联系人, seed 000 step 3); a new row replaces the last.

    The cadre's phone is sealed like a roster phone (``phone_cipher`` bound to ``uid``), its
    blind index tells one cadre from a namesake, and only the mask is shown. Key rotation may
    rewrite the sealed pair; every other column is fixed once written (triggers)."""

    __tablename__ = "help_contacts"
    uid: Mapped[str] = mapped_column(String(32), unique=True, sort_order=-2)  # after id
    cadre: Mapped[str] = mapped_column(String(64))
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16))  # 138****5678
    day: Mapped[dt.date] = mapped_column(Date)  # county day the cadre was assigned


class HelpMeasure(CaseRow, Base):
    """One measure of a household's plan (帮扶措施): a policy of the list from a start day."""

    __tablename__ = "help_measures"
    policy: Mapped[str] = mapped_column(String(64))  # policies.name when recorded
    kind: Mapped[str] = mapped_column(String(8))  # 开发式 | 兜底, as the list said then
    help_type: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)  # IDs and phones masked


class HelpPlanDecision(CaseRow, Base):
    """The county's decision on a household's plan (帮扶方案, 一户一策): approve or return."""

    __tablename__ = "help_plan_decisions"
    decision: Mapped[str] = mapped_column(String(8))  # approve | return
    reason: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[int] = mapped_column(Integer)  # measures on the plan when decided
    day: Mapped[dt.date] = mapped_column(Date)


class HelpVisit(CaseRow, Base):
    """A contact cadre's visit or call (走访 / 电话), with the month's income when asked."""

    __tablename__ = "help_visits"
    day: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(8))  # visit | phone
    note: Mapped[str | None] = mapped_column(Text)  # IDs and phones masked
    income_month: Mapped[float | None] = mapped_column(Float)  # yuan, the household's month


class EliminationStep(CaseRow, Base):
    """One step of risk elimination (风险消除: 民主评议, 公示, 县级确认) as it happened on paper.

    Like identification steps: a correction is a new row, the latest row of a step in the
    household's current round stands; a rejecting review ends the round."""

    __tablename__ = "elimination_steps"
    round: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(16))  # review | notice | confirm
    day: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)  # a notice's last day
    result: Mapped[str | None] = mapped_column(String(8))  # review: pass | reject
    note: Mapped[str | None] = mapped_column(Text)
