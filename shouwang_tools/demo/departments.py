"""Field values of each department's rows: benign ones, and the planted risk variants (demo.yaml)."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shouwang_tools.demo.population import Population

GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"]
WATER_CHECKS = ["quantity_ok", "quality_ok", "access_ok", "reliability_ok"]


@dataclass(frozen=True)
class PeriodInfo:
    """What value builders need to know about the period and the county."""

    period: str
    start: dt.date
    county: str
    ages: np.ndarray  # age of every person on the period's first day
    as_of: dt.date  # no event is dated after this day (departments cannot report the future)

    @property
    def days(self) -> int:
        """Days in the period's month."""
        return calendar.monthrange(self.start.year, self.start.month)[1]


def _uniform(rng: np.random.Generator, bounds: list, n: int, ndigits: int = 2) -> np.ndarray:
    return np.round(rng.uniform(bounds[0], bounds[1], n), ndigits)


def _any_of(rng: np.random.Generator, values, n: int) -> np.ndarray:
    """``n`` draws, each value of ``values`` equally likely (an object array)."""
    pool = np.array(list(values), dtype=object)
    return pool[rng.integers(0, len(pool), n)]


def _dates(info: PeriodInfo, rng: np.random.Generator, n: int) -> list[dt.date]:
    """Event days in the period, none after `as_of` when the period is the current month."""
    days_so_far = (info.as_of - info.start).days + 1
    last = min(info.days, days_so_far) if days_so_far >= 1 else info.days
    return [info.start + dt.timedelta(days=int(d)) for d in rng.integers(0, last, n)]


def _by_variant(frame: pd.DataFrame, risks: list[dict]):
    """(row mask, risk spec) for each planted variant present in the frame."""
    variant = frame["variant"].to_numpy()
    for v, spec in enumerate(risks):
        mask = variant == v
        if mask.any():
            yield mask, spec


def _place(frame: pd.DataFrame, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    village = pop.person("village_idx")[frame["pid"].to_numpy()]
    return pop.villages["township_short"].to_numpy()[village], village


def medical_insurance(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Insurance status and year-to-date costs; risks are high out-of-pocket or no insurance."""
    n = len(frame)
    oop = _uniform(rng, spec["benign_out_of_pocket"], n)
    status = np.full(n, "正常参保", dtype=object)
    for mask, risk in _by_variant(frame, spec["risks"]):
        if "out_of_pocket" in risk:
            oop[mask] = _uniform(rng, risk["out_of_pocket"], mask.sum())
        status[mask] = risk.get("insurance_status", "正常参保")
    total = np.round(oop / rng.uniform(0.25, 0.45, n), 2)
    basic = np.round((total - oop) * rng.uniform(0.65, 0.85, n), 2)
    critical = np.round(np.where(total > 30000, (total - oop - basic) * 0.6, 0.0), 2)
    frame["insurance_status"] = status
    frame["total_cost"], frame["basic_reimbursed"] = total, basic
    frame["critical_reimbursed"] = critical
    frame["medical_assistance"] = np.round(total - oop - basic - critical, 2)
    frame["out_of_pocket"] = oop
    return frame


def education(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Students with school, grade and status; risks are dropouts of compulsory age or high costs."""
    n = len(frame)
    pids = frame["pid"].to_numpy()
    age = info.ages[pids]
    township, _ = _place(frame, pop)
    school = np.where(
        age <= 11,
        township + "中心小学",
        np.where(age <= 14, township + "中学", info.county + "第一中学"),
    )
    frame["school"] = school
    frame["grade"] = np.array(GRADES, dtype=object)[np.clip(age - 6, 0, len(GRADES) - 1)]
    frame["enrollment_status"] = "在读"
    cost = _uniform(rng, spec["benign_cost"], n, 0)
    for mask, risk in _by_variant(frame, spec["risks"]):
        if "enrollment_status" in risk:
            frame.loc[mask, "enrollment_status"] = risk["enrollment_status"]
        if "schooling_cost" in risk:
            cost[mask] = _uniform(rng, risk["schooling_cost"], mask.sum(), 0)
    frame["schooling_cost"] = cost
    hid = pop.person("hid")[pids]
    head = pop.household("head_pid")[hid]
    frame["guardian_pid"] = np.where(head != pids, head, -1)
    return frame


def compulsory_dropout_age(pop: Population, spec: dict, info: PeriodInfo, pids: np.ndarray) -> np.ndarray:
    """Rows whose student is of an age where a planted dropout is clearly compulsory-age."""
    lo, hi = next(r["ages"] for r in spec["risks"] if "ages" in r)
    age = info.ages[pids]
    return (age >= lo) & (age <= hi)


def health(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Diagnoses; risks are 大病 (red) and 重大慢性病 (orange)."""
    n = len(frame)
    benign = spec["benign"]
    disease = _any_of(rng, benign["diseases"], n)
    category = np.full(n, benign["disease_category"], dtype=object)
    for mask, risk in _by_variant(frame, spec["risks"]):
        pool = np.array(risk["diseases"], dtype=object)
        disease[mask] = pool[rng.integers(0, len(pool), mask.sum())]
        category[mask] = risk["disease_category"]
    township, _ = _place(frame, pop)
    hospitals = np.array([info.county + "人民医院", info.county + "中医院", "市第一人民医院"], dtype=object)
    pick = rng.integers(0, 4, n)
    frame["disease"], frame["disease_category"] = disease, category
    frame["diagnosis_date"] = _dates(info, rng, n)
    frame["hospital"] = np.where(pick == 3, township + "卫生院", hospitals[np.minimum(pick, 2)])
    return frame


def housing(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Dwelling appraisals; risks are C (orange) and D (red) dwellings that people live in."""
    n = len(frame)
    grade = _any_of(rng, spec["benign_grades"], n)
    for mask, risk in _by_variant(frame, spec["risks"]):
        grade[mask] = risk["grade"]
    pids = frame["pid"].to_numpy()
    village = pop.person("village_idx")[pids]
    group = pop.person("group")[pids]
    vil = pop.villages
    frame["address"] = [
        f"{t}{v}{g}组{k}号"
        for t, v, g, k in zip(
            vil["township"].to_numpy()[village], vil["village"].to_numpy()[village], group,
            rng.integers(1, 80, n),
        )
    ]
    frame["grade"] = grade
    frame["appraisal_date"] = _dates(info, rng, n)
    frame["occupied"] = "是"
    return frame


def water(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Drinking-water checks; a planted risk fails one of the four checks."""
    n = len(frame)
    frame["supply_mode"] = np.where(rng.random(n) < 0.8, "集中供水", "分散供水")
    checks = np.full((n, len(WATER_CHECKS)), "是", dtype=object)
    for mask, _risk in _by_variant(frame, spec["risks"]):
        rows = np.flatnonzero(mask)
        checks[rows, rng.integers(0, len(WATER_CHECKS), len(rows))] = "否"
    for i, column in enumerate(WATER_CHECKS):
        frame[column] = checks[:, i]
    frame["check_date"] = _dates(info, rng, n)
    return frame


def civil_affairs(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Assistance changes; risks are new 低保/特困, large 临时救助, or income under the line."""
    n = len(frame)
    benign = spec["benign"]
    kind = _any_of(rng, benign["amounts"], n)
    amount = np.zeros(n)
    for k, bounds in benign["amounts"].items():
        amount[kind == k] = _uniform(rng, bounds, int((kind == k).sum()), 0)
    change = np.full(n, benign["change_type"], dtype=object)
    income = _uniform(rng, benign["income"], n, 0)
    for mask, risk in _by_variant(frame, spec["risks"]):
        kind[mask], change[mask] = risk["assistance_type"], risk["change_type"]
        amount[mask] = _uniform(rng, risk["amount"], mask.sum(), 0)
        income[mask] = _uniform(rng, risk["income"], mask.sum(), 0)
    hid = pop.person("hid")[frame["pid"].to_numpy()]
    frame["assistance_type"], frame["change_type"] = kind, change
    frame["change_date"] = _dates(info, rng, n)
    frame["amount"] = amount
    frame["household_size"] = pop.household("household_size")[hid]
    frame["income_per_capita"] = income
    return frame


def hr(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Employment changes; risks are 失业 and 返乡未就业 (no income then)."""
    n = len(frame)
    status = np.full(n, spec["benign"]["employment_status"], dtype=object)
    income = _uniform(rng, spec["benign"]["income"], n, 0).astype(object)
    for mask, risk in _by_variant(frame, spec["risks"]):
        status[mask] = risk["employment_status"]
        income[mask] = None
    frame["employment_status"] = status
    frame["status_date"] = _dates(info, rng, n)
    frame["workplace"] = _any_of(rng, spec["workplaces"], n)
    frame["monthly_income"] = income
    return frame


def emergency(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Disaster losses; risks are collapsed or badly damaged houses, and casualties."""
    n = len(frame)
    benign = spec["benign"]
    frame["disaster_type"] = _any_of(rng, spec["disaster_types"], n)
    damage = _any_of(rng, benign["damage"], n)
    loss = _uniform(rng, benign["loss"], n, 0)
    for mask, risk in _by_variant(frame, spec["risks"]):
        damage[mask] = risk["damage"]
        loss[mask] = _uniform(rng, risk["loss"], mask.sum(), 0)
    frame["disaster_date"] = _dates(info, rng, n)
    frame["damage"], frame["direct_loss"] = damage, loss
    return frame


def flood_cluster(
    pop: Population, size: int, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> tuple[pd.DataFrame, int]:
    """≥ `size` roster households of one village flooded on one day, houses collapsed or damaged."""
    heads = pop.households[pop.households["on_roster"]]
    counts = heads["village_idx"].value_counts()
    villages = counts.index[counts >= size].to_numpy()
    village = int(rng.choice(villages)) if len(villages) else int(counts.idxmax())
    hit = heads[heads["village_idx"] == village]["head_pid"].to_numpy()
    pids = np.sort(rng.choice(hit, min(size, len(hit)), replace=False))
    collapsed, damaged = (next(r for r in spec["risks"] if r["damage"] == d) for d in ("房屋倒塌", "房屋严重损坏"))
    variant = np.arange(len(pids)) % 2
    day = _dates(info, rng, 1)[0]
    frame = pd.DataFrame({"pid": pids})
    frame["risk_type"] = "disaster"
    frame["level"] = np.where(variant == 0, collapsed["level"], damaged["level"])
    frame["variant"] = np.where(variant == 0, spec["risks"].index(collapsed), spec["risks"].index(damaged))
    frame["lead"], frame["ongoing_from"] = False, ""
    frame["shock"] = "flood"  # the planted shock: truth/alerts.csv lists it (demo/truth.py)
    frame["disaster_type"] = "洪涝"
    frame["disaster_date"] = [day] * len(pids)
    frame["damage"] = np.where(variant == 0, collapsed["damage"], damaged["damage"])
    frame["direct_loss"] = np.where(
        variant == 0,
        _uniform(rng, collapsed["loss"], len(pids), 0),
        _uniform(rng, damaged["loss"], len(pids), 0),
    )
    return frame, village


def disability(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Certificate changes; risks are new (or re-issued) 一级/二级 certificates (orange 因残)."""
    n = len(frame)
    benign = spec["benign"]
    grade = _any_of(rng, benign["grades"], n)
    change = _any_of(rng, benign["changes"], n)
    # a cancelled certificate of any grade is no new risk (the holder died or recovered)
    cancelled = rng.random(n) < benign["cancelled_share"]
    change[cancelled] = "注销"
    grade[cancelled] = np.array(["一级", "二级", "三级", "四级"], dtype=object)[rng.integers(0, 4, int(cancelled.sum()))]
    for mask, risk in _by_variant(frame, spec["risks"]):
        grade[mask], change[mask] = risk["disability_grade"], risk["change_type"]
    frame["disability_category"] = _any_of(rng, spec["categories"], n)
    frame["disability_grade"], frame["change_type"] = grade, change
    frame["change_date"] = _dates(info, rng, n)
    frame["two_subsidies"] = np.where(np.isin(grade, ["一级", "二级"]) & (rng.random(n) < 0.7), "是", "否")
    return frame


def police(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Registration changes and accidents; risks are working-age deaths and disabling injuries."""
    n = len(frame)
    event = _any_of(rng, spec["benign"]["event_types"], n)
    for mask, risk in _by_variant(frame, spec["risks"]):
        event[mask] = risk["event_type"]
    notes = spec["notes"]
    frame["event_type"] = event
    frame["event_date"] = _dates(info, rng, n)
    frame["event_note"] = [notes[e][int(k) % len(notes[e])] for e, k in zip(event, rng.integers(0, 100, n))]
    return frame


def agriculture(
    frame: pd.DataFrame, pop: Population, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """Farm-project losses; risks are 绝收 or 经营失败 over the loss threshold (orange 因产业项目失败)."""
    n = len(frame)
    projects = spec["projects"]
    industry = _any_of(rng, projects, n)
    benign = spec["benign"]
    loss_type = _any_of(rng, benign["loss_types"], n)
    loss = _uniform(rng, benign["loss"], n, 0)
    for mask, risk in _by_variant(frame, spec["risks"]):
        loss_type[mask] = risk["loss_type"]
        loss[mask] = _uniform(rng, risk["loss"], mask.sum(), 0)
    frame["industry_type"] = industry
    frame["project"] = [projects[t][int(k) % len(projects[t])] for t, k in zip(industry, rng.integers(0, 100, n))]
    frame["loss_type"], frame["loss"] = loss_type, loss
    claimed = rng.random(n) < benign["claim_share"]
    frame["claim_paid"] = np.where(claimed, np.round(loss * rng.uniform(0.1, 0.5, n), 0), np.nan)
    frame["loss_date"] = _dates(info, rng, n)
    frame["shock"] = ""
    cluster = project_failure_cluster(pop, spec["cluster_households"], spec, info, rng)
    kept = frame[~frame["pid"].isin(cluster["pid"])]
    return pd.concat([kept, cluster], ignore_index=True)


def project_failure_cluster(
    pop: Population, size: int, spec: dict, info: PeriodInfo, rng: np.random.Generator
) -> pd.DataFrame:
    """≥ `size` roster households of one village whose one project fails on one day (绝收):
    the regional shock of seed 004 §3 (乡村产业项目失败); truth/alerts.csv lists it."""
    heads = pop.households[pop.households["on_roster"]]
    counts = heads["village_idx"].value_counts()
    villages = counts.index[counts >= size].to_numpy()
    village = int(rng.choice(villages)) if len(villages) else int(counts.idxmax())
    hit = heads[heads["village_idx"] == village]["head_pid"].to_numpy()
    pids = np.sort(rng.choice(hit, min(size, len(hit)), replace=False))
    failed = next(r for r in spec["risks"] if r["loss_type"] == "绝收")
    industry = next(iter(spec["projects"]))
    frame = pd.DataFrame({"pid": pids})
    frame["risk_type"], frame["level"] = failed["risk_type"], failed["level"]
    frame["variant"] = spec["risks"].index(failed)
    frame["lead"], frame["ongoing_from"] = False, ""
    frame["shock"] = "project_failure"
    frame["industry_type"], frame["project"] = industry, spec["projects"][industry][0]
    frame["loss_type"] = failed["loss_type"]
    frame["loss"] = _uniform(rng, failed["loss"], len(pids), 0)
    frame["claim_paid"] = np.nan
    frame["loss_date"] = [_dates(info, rng, 1)[0]] * len(pids)
    return frame


BUILDERS = {
    "medical_insurance": medical_insurance,
    "education": education,
    "health": health,
    "housing": housing,
    "water": water,
    "civil_affairs": civil_affairs,
    "hr": hr,
    "emergency": emergency,
    "disability": disability,
    "police": police,
    "agriculture": agriculture,
}
