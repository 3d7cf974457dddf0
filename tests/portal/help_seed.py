"""Monitored households for the help loop's tests: one able to work per township, one where
nobody can work, the policy list loaded; paper dates of an elimination that end today."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from screening.calendar import add_working_days, is_working_day
from screening.policies import ensure_policies
from shouwang.core.clock import today as county_today
from tests.portal.conftest import PERIOD, TOWN_A, TOWN_B, Seed
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.models import HouseholdHistory, utcnow

CADRE_PHONE = "13800138000"


@dataclass
class Cases:
    """户编号 of the seeded cases."""

    able: dict[str, str] = field(default_factory=dict)  # township -> able household's 户编号
    unable: str = ""  # TOWN_A, nobody able to work
    warning: dict[str, str] = field(default_factory=dict)  # 户编号 -> its monitored warning code
    plain_ids: list[str] = field(default_factory=list)


def seed_cases(ctx, seed: Seed, n0: int = 500) -> Cases:
    """Add the monitored households (and the default policy list) to ``seed``'s warehouse."""
    cases = Cases()
    with building(ctx) as b:
        b.ids.plain = cases.plain_ids
        n = n0
        for town, region, unable in ((TOWN_A, "500230", False), (TOWN_B, "500231", False),
                                     (TOWN_A, "500230", True)):
            n += 1
            no = f"5002309{n:011d}"
            hh = b.household(no, county="示范县", township=town, village=f"{town[:2]}村1",
                             household_type="监测户", risk_status="风险未消除",
                             income_per_capita=6500.0, size=2)
            b.add(HouseholdHistory(household_id=hh.id, valid_from=utcnow(), valid_to=None,
                                   household_type=hh.household_type, risk_status=hh.risk_status,
                                   income_per_capita=hh.income_per_capita, size=2))
            for i, (relation, capacity) in enumerate((("户主", "丧失劳动力" if unable else "普通劳动力"),
                                                       ("配偶", "无劳动力" if unable else "弱劳动力"))):
                b.person(hh, f"{town[0]}帮{n}{i}", b.ids.new(dt.date(1960 + i, 5, 6), male=i == 0,
                                                            seq=n * 10 + i, region=region),
                         relation=relation, labour_capacity=capacity)
            w = b.warning(f"W{PERIOD}-{n:05d}", f"hh:{hh.id}", "illness", "orange", PERIOD,
                          household_id=hh.id, township=town, village=hh.village,
                          reason="卫健：大病确诊", status="monitored", action="identification")
            b.task(w, status="done", outcome="纳入监测")
            cases.warning[no] = w.code
            if unable:
                cases.unable = no
            else:
                cases.able[town] = no
    with session_scope(ctx.engine) as s:
        ensure_policies(s, ctx.settings, ctx.home)
    seed.plain_ids.extend(cases.plain_ids)
    return cases


def paper_dates(settings: dict) -> dict[str, dt.date]:
    """Review, a 5-working-day notice and the confirmation, all on or before today."""
    today = county_today(settings)
    start = today - dt.timedelta(days=30)
    while not is_working_day(start):
        start -= dt.timedelta(days=1)
    return {"review": start - dt.timedelta(days=3), "notice": start,
            "notice_end": add_working_days(start, 4), "confirm": today, "today": today}
