"""The demo county's help loop (issue 18): after the pipeline has published the lists, walk a few
warnings of every township through verification and identification (screening.verification, as
the portal does) and give the monitored households a contact cadre, measures from the policy
list, the county's plan approval and monthly visits; a few go on to 风险已消除.

So the assistance list, the county view and the case pages show real content after
`make demo`. Some households are left without a visit this month or without the measure kind
the seeds ask for, so the county view's flags have something to show. Cadres and their phones
are synthetic, like everything the demo writes.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from screening import help_case
from screening import verification as loop
from screening.calendar import add_working_days, is_working_day
from shouwang.core.clock import today as county_today
from warehouse.db import session_scope
from warehouse.help_tables import HelpContact
from warehouse.models import Household, RiskWarning

TOWNSHIP, COUNTY = loop.Actor("示范乡镇干部", "township"), loop.Actor("示范县管理员", "county_admin")
CADRES = ("陈建国", "刘秀英", "王志强", "李春梅", "张德明", "杨丽华", "赵国庆", "黄玉兰")
LEVEL_ORDER = {"red": 0, "orange": 1, "yellow": 2}


def _working_day(day: dt.date) -> dt.date:
    """``day`` or the working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _identify(session, warning: RiskWarning, settings: dict, today: dt.date) -> dt.date:
    """纳入监测 and the five identification steps on paper dates of the past weeks; the day the
    household was entered in the national system."""
    loop.apply_outcome(session, warning, outcome="纳入监测", reason=None,
                       verifiers=("李明", "周红"), actor=TOWNSHIP, settings=settings, today=today)
    notice = _working_day(today - dt.timedelta(days=45))
    entered = add_working_days(add_working_days(notice, 6), 1)
    for step, day, extra in (("pledge", notice - dt.timedelta(days=4), {}),
                             ("review", notice - dt.timedelta(days=2), {"result": "pass"}),
                             ("notice", notice, {"end_date": add_working_days(notice, 5)}),
                             ("confirm", add_working_days(notice, 6), {}),
                             ("entered", entered, {})):
        actor = COUNTY if step == "confirm" else TOWNSHIP
        loop.record_step(session, warning, loop.StepInput(step, day, **extra), actor=actor,
                         settings=settings, today=today)
    return entered


def _help(session, ctx, hh: Household, entered: dt.date, n: int, rng: random.Random,
          today: dt.date) -> str:
    """Cadre, measures, approval and visits for one household; how far it got."""
    from screening.suggestions import suggest_policies

    settings = ctx.settings
    help_case.assign_contact(session, hh, cadre=CADRES[(n // 2) % len(CADRES)] + str(n // 16 or ""),
                             phone=f"1390000{n // 2:04d}", vault=ctx.vault(),
                             actor=TOWNSHIP, settings=settings, today=entered)
    checks = help_case.missing_measure_kinds(session, [hh.id], settings, today, ctx.home)[hh.id]
    need = help_case.DEVELOPMENT if checks.workers else help_case.PROTECTION
    suggested = suggest_policies(session, hh.id, settings, ctx.home, today)
    picks = [s["policy"] for s in suggested if s["kind"] == need][:1] or \
        (["公益性岗位"] if need == help_case.DEVELOPMENT else ["低保"])
    if n % 5 == 4:  # the county view's 缺开发式/兜底 flag: only the other kind
        picks = ["医疗救助" if need == help_case.DEVELOPMENT else "就业技能培训"]
    picks += [s["policy"] for s in suggested if s["policy"] not in picks][:1]
    for policy in picks:
        help_case.record_measure(session, hh, policy=policy, start_date=entered, note=None,
                                 actor=TOWNSHIP, settings=settings, today=today, home=ctx.home)
    help_case.decide_plan(session, hh, decision="approve", reason=None, actor=COUNTY,
                          settings=settings, today=add_working_days(entered, 3))
    if n % 4 == 3:
        return "no visit yet"  # the county view's overdue visits
    visit = add_working_days(entered, 8)
    help_case.record_visit(session, hh, day=min(visit, today), mode="visit", note="入户了解近况",
                           income_month=float(rng.randrange(800, 3000)), actor=TOWNSHIP,
                           settings=settings, today=today)
    if n % 3 != 0 or not checks.workers or help_case.missing_measure_kinds(
            session, [hh.id], settings, today, ctx.home)[hh.id].missing_kind:
        return "helped"
    review = min(add_working_days(visit, 1), today)
    notice = _working_day(review)
    end = add_working_days(notice, 5)
    if end > today:
        return "helped"
    for step, day, extra, actor in (("review", review, {"result": "pass"}, TOWNSHIP),
                                    ("notice", notice, {"end_date": end}, TOWNSHIP),
                                    ("confirm", today, {}, COUNTY)):
        help_case.record_elimination(session, hh, loop.StepInput(step, day, **extra),
                                     actor=actor, settings=settings, today=today, home=ctx.home)
    return "eliminated"


def walk_help_loop(ctx, per_township: int = 4, seed: int = 1) -> dict[str, int]:
    """Take ``per_township`` open household warnings of each township (most serious first)
    through identification and the help loop; counts by how far they got."""
    from screening.policies import ensure_policies

    rng = random.Random(seed)
    today = county_today(ctx.settings)
    counts: dict[str, int] = {}
    with session_scope(ctx.engine) as s:
        ensure_policies(s, ctx.settings, ctx.home)
        walked = s.scalar(select(func.count(func.distinct(HelpContact.household_id))))
        if walked:  # `make demo` again on the same warehouse: the walk is done, as one run leaves it
            return {"already walked": int(walked)}
        # Households the roster already marks 风险已消除 have no case to walk (the case refuses them)
        open_ = list(s.scalars(select(RiskWarning).join(
            Household, Household.id == RiskWarning.household_id).where(
            RiskWarning.status == loop.OPEN, RiskWarning.is_lead.is_(False),
            Household.risk_status.is_distinct_from(ctx.settings["help"]["eliminated_status"]))
            .order_by(RiskWarning.id)))
        chosen: dict[str, list[RiskWarning]] = {}
        households: set[int] = set()
        for w in sorted(open_, key=lambda w: (LEVEL_ORDER.get(w.level, 9), w.id)):
            mine = chosen.setdefault(w.township or "", [])
            if len(mine) < per_township and w.household_id not in households:
                mine.append(w)
                households.add(w.household_id)
        n = 0
        for township in sorted(chosen):
            for w in chosen[township]:
                entered = _identify(s, w, ctx.settings, today)
                hh = s.get(Household, w.household_id)
                how = _help(s, ctx, hh, entered, n, rng, today)
                counts[how] = counts.get(how, 0) + 1
                n += 1
    return counts
