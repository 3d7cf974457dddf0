"""A small county for the assistance list and the county view: cases at every stage, written
through the warehouse builder (IDs sealed), with the figures they must give on TODAY.

龙河镇 双河村: A (脱贫不稳定户, case complete), B (一般农户 newly monitored, nobody able to work,
nothing done, visit overdue), D (一般农户, not monitored: not listed), E (eliminated on 11-16),
G (eliminated long ago, nobody able to work, no measure: listed without a check);
龙河镇 石桥村: C (脱贫户, no risk); 三合街道 花园村: F (边缘易致贫户, a 兜底 measure only though
its head can work, no plan, visit overdue).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from tests.support.warehouse import SyntheticIds, building
from warehouse.help_tables import HelpContact, HelpMeasure, HelpPlanDecision, HelpVisit
from warehouse.models import HouseholdHistory, WarningHistory

TODAY = dt.date(2026, 11, 30)
TOWN_A, TOWN_B = "龙河镇", "三合街道"


def noon(day: dt.date) -> dt.datetime:
    """12:00 in the county (UTC+8) on ``day``, as stored."""
    return dt.datetime(day.year, day.month, day.day, 4, 0, tzinfo=dt.timezone.utc)


@dataclass
class HelpCounty:
    """户编号 and ids of the seeded households, and the plaintext IDs that must never leak."""

    ids: dict[str, int] = field(default_factory=dict)  # letter -> household id
    nos: dict[str, str] = field(default_factory=dict)  # letter -> 户编号
    plain_ids: list[str] = field(default_factory=list)


def seed_help_county(ctx) -> HelpCounty:
    """Write the county above into ``ctx``'s warehouse."""
    out = HelpCounty()
    with building(ctx, SyntheticIds(plain=out.plain_ids)) as b:
        def household(letter, town, village, htype, status, members, no=None):
            no = no or f"50023002{ord(letter) - 64:02d}"
            hh = b.household(no, county="示范县", township=town, village=village,
                             household_type=htype, risk_status=status, income_per_capita=9000.0,
                             size=len(members))
            for i, (name, capacity, born) in enumerate(members):
                b.person(hh, name, b.ids.new(born), relation="户主" if i == 0 else "配偶",
                         labour_capacity=capacity)
            out.ids[letter], out.nos[letter] = hh.id, no
            return hh

        def monitored(hh, day, code):
            w = b.warning(code, f"hh:{hh.id}", "illness", "orange", household_id=hh.id,
                          township=hh.township, village=hh.village, reason="大病",
                          status="monitored", action="identification")
            b.add(WarningHistory(warning_id=w.id, at=noon(day), kind="status",
                                 from_status="identifying", to_status="monitored", actor="admin"))

        def measure(hh, policy, kind, day):
            b.add(HelpMeasure(household_id=hh.id, policy=policy, kind=kind, help_type="就业帮扶",
                              start_date=day, actor="town_a", recorded_at=noon(day)))

        able = ("普通劳动力", dt.date(1975, 1, 1))
        a = household("A", TOWN_A, "双河村", "脱贫不稳定户", "风险未消除",
                      [("陈一", *able), ("陈二", "丧失劳动力", dt.date(1950, 1, 1))])
        monitored(a, dt.date(2026, 10, 12), "W2026-11-00901")
        b.add(HelpContact(uid=uuid.uuid4().hex, household_id=a.id, cadre="周干部",
                          day=dt.date(2026, 10, 13), actor="town_a"))
        measure(a, "公益性岗位", "开发式", dt.date(2026, 10, 20))
        b.add(HelpPlanDecision(household_id=a.id, decision="approve", measures=1,
                               day=dt.date(2026, 10, 22), actor="admin"))
        b.add(HelpVisit(household_id=a.id, day=dt.date(2026, 11, 20), mode="visit",
                        actor="town_a", note="家中情况稳定"))
        bb = household("B", TOWN_A, "双河村", "一般农户", None,
                       [("黄老汉", "丧失劳动力", dt.date(1940, 1, 1)),
                        ("黄老太", "无劳动力", dt.date(1942, 1, 1))])
        monitored(bb, dt.date(2026, 10, 5), "W2026-11-00902")
        household("C", TOWN_A, "石桥村", "脱贫户", None, [("石头", *able)])
        household("D", TOWN_A, "双河村", "一般农户", None, [("丁五", *able)])
        e = household("E", TOWN_A, "双河村", "脱贫不稳定户", "风险已消除", [("吴六", *able)])
        b.add(HouseholdHistory(household_id=e.id, valid_from=noon(dt.date(2026, 9, 1)),
                               valid_to=noon(dt.date(2026, 11, 16)),
                               household_type="脱贫不稳定户", risk_status="风险未消除"))
        b.add(HouseholdHistory(household_id=e.id, valid_from=noon(dt.date(2026, 11, 16)),
                               household_type="脱贫不稳定户", risk_status="风险已消除"))
        b.add(HelpContact(uid=uuid.uuid4().hex, household_id=e.id, cadre="李干部",
                          day=dt.date(2026, 9, 2), actor="town_a"))
        measure(e, "产业奖补", "开发式", dt.date(2026, 9, 5))
        b.add(HelpPlanDecision(household_id=e.id, decision="approve", measures=1,
                               day=dt.date(2026, 9, 8), actor="admin"))
        for day in (dt.date(2026, 9, 20), dt.date(2026, 10, 15)):
            b.add(HelpVisit(household_id=e.id, day=day, mode="phone", actor="town_a"))
        # eliminated before the hub kept history, nobody able to work, no measure: listed, no check
        household("G", TOWN_A, "双河村", "脱贫不稳定户", "风险已消除",
                  [("郭八", "丧失劳动力", dt.date(1945, 1, 1))])
        f = household("F", TOWN_B, "花园村", "边缘易致贫户", "风险未消除", [("冯七", *able)])
        monitored(f, dt.date(2026, 10, 10), "W2026-11-00903")
        b.add(HelpContact(uid=uuid.uuid4().hex, household_id=f.id, cadre="郑干部",
                          day=dt.date(2026, 10, 11), actor="town_b"))
        measure(f, "低保", "兜底", dt.date(2026, 10, 25))
    return out


# What help_figures must say on TODAY (worked out by hand from the rows above).
EXPECTED = {
    TOWN_A: {"monitored": 2, "with_cadre": 1, "with_plan": 1, "with_measures": 1,
             "overdue_visits": 1, "missing_development": 0, "missing_protection": 1,
             "eliminated_this_month": 1},
    TOWN_B: {"monitored": 1, "with_cadre": 1, "with_plan": 0, "with_measures": 1,
             "overdue_visits": 1, "missing_development": 1, "missing_protection": 0,
             "eliminated_this_month": 0},
}
