"""The ground truth: planted risks sit well clear of the default thresholds (docs/reference.md),
benign rows stay benign, leads are off-roster, the alerts are the planted shocks only, no IDs leak."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from shouwang_tools.demo.settings import demo_settings
from shouwang_tools.demo.truth import planted_shocks
from tests.shouwang_tools.demo.conftest import truth

LAYOUTS = demo_settings()["departments"]


def amount(cell) -> float:
    """Read an amount as a county clerk writes it: 12,345.60 / 1.2万 / 3000元 / a number."""
    text = str(cell).replace(",", "").replace("元", "").strip()
    if text.endswith("万"):
        return float(text[:-1]) * 10000
    return float(text) if text else 0.0


def expected_risk(dept: str, r: dict) -> tuple[str, str] | None:
    """The docs/reference.md default rules, applied to one row's cells (the test's own reference)."""
    if dept == "medical_insurance":
        oop = amount(r["个人自付（元）"])
        if oop > 50000:
            return "illness", "red"
        if oop > 20000 or r["参保状态"] in ("未参保", "中断"):
            return "illness", "orange"
    if dept == "health":
        return {"大病": ("illness", "red"), "重大慢性病": ("illness", "orange")}.get(r["疾病类别"])
    if dept == "education":
        if r["学籍状态"] == "辍学":
            return "schooling", "red"
        if amount(r["年度教育支出"]) > 10000:
            return "schooling", "yellow"
    if dept == "housing" and r["是否居住"] == "是":
        return {"D": ("housing", "red"), "C": ("housing", "orange")}.get(r["鉴定等级"])
    if dept == "water" and "否" in (r["水量达标"], r["水质达标"], r["取水方便"], r["供水保证率达标"]):
        return "water", "orange"
    if dept == "emergency":
        if r["受灾情况"] == "人员伤亡":
            return "accident", "red"
        if r["受灾情况"] == "房屋倒塌":
            return "disaster", "red"
        if r["受灾情况"] == "房屋严重损坏" or amount(r["直接经济损失"]) >= 10000:
            return "disaster", "orange"
    if dept == "hr" and r["就业状态"] in ("失业", "返乡未就业"):
        return "employment", "orange"
    if dept == "civil_affairs":
        if amount(r["家庭年人均收入"]) < 7000:
            return "other", "red"
        if (r["变动类型"] == "新增" and r["救助类型"] in ("低保", "特困供养")) or (
            r["救助类型"] == "临时救助" and amount(r["救助金额"]) >= 3000
        ):
            return "other", "yellow"
    if dept == "disability" and r["残疾等级"] in ("一级", "二级") and r["变动类型"] in ("新办", "换证"):
        return "disability", "orange"
    if dept == "police" and r["事件类型"] in ("死亡", "意外伤残"):  # the feed names working-age people
        return "accident", "red"
    if dept == "agriculture" and r["事件类型"] in ("绝收", "经营失败") and amount(r["损失金额"]) >= 10000:
        return "industry", "orange"
    return None


@pytest.fixture(scope="module")
def texts(records):
    """(file, row) → (department, {header: cell as stripped text})."""
    return {
        key: (dept, {h: "" if c is None else str(c).strip() for h, c in cells.items()})
        for key, (dept, cells) in records.items()
    }


def test_warnings_are_exactly_the_rows_the_default_rules_fire_on(county, texts):
    links = truth(county, "links")
    warnings = truth(county, "warnings")
    planted = {}  # a row's own risk; a 公安 death leaving no labour adds a second row after it
    for f, r, t, lv in zip(warnings["source_file"], warnings["source_row"], warnings["risk_type"],
                           warnings["level"]):
        planted.setdefault((f, int(r)), (t, lv))
    for file, row, kind in zip(links["source_file"], links["source_row"].astype(int), links["kind"]):
        if kind == "bad":
            continue
        dept, cells = texts[(file, row)]
        assert expected_risk(dept, cells) == planted.get((file, row)), (file, row, cells)
    assert {t for t, _ in planted.values()} >= {
        "illness", "schooling", "housing", "water", "disaster", "accident", "employment", "other",
        "disability", "industry",
    }


def test_benign_values_are_clearly_benign(county, texts):
    warned = set(zip(truth(county, "warnings")["source_file"], truth(county, "warnings")["source_row"].astype(int)))
    for (file, row), (dept, cells) in texts.items():
        if (file, row) in warned or dept != "medical_insurance":
            continue
        oop = cells["个人自付（元）"]
        if re.fullmatch(r"[\d.,万元]+", oop):
            assert amount(oop) < 5000


def test_leads_are_off_roster_with_their_place(county):
    warnings = truth(county, "warnings")
    links = truth(county, "links")
    leads = warnings[warnings["household_no"] == ""]
    assert len(leads) >= 3
    assert (leads["lead_township"] != "").all() and (leads["lead_village"] != "").all()
    assert leads["lead_township"].str.endswith(("镇", "乡", "街道")).all()
    lead_links = links[links["kind"] == "lead"]
    assert set(zip(lead_links["source_file"], lead_links["source_row"])) == set(
        zip(leads["source_file"], leads["source_row"])
    )
    assert (lead_links["household_no"] == "").all()
    on_roster = warnings[warnings["household_no"] != ""]
    assert (on_roster["lead_township"] == "").all()


def test_the_alerts_are_the_planted_flood_failed_project_and_rate_shock_only(county, texts):
    alerts = truth(county, "alerts")
    size = demo_settings()["alerts"]["flood_cluster_households"]
    assert len(alerts) == 3  # the ordinary monthly counts of a township are no shock
    assert sorted(alerts["kind"]) == ["event", "event", "rate"]
    rate = alerts[alerts["kind"] == "rate"]
    assert rate["risk_type"].iloc[0] == "illness" and rate["village"].iloc[0] != ""
    assert int(rate["households"].iloc[0]) == demo_settings()["rate_shock"]["households"]
    # No one event behind it: the village's serious diagnoses differ in disease or day.
    sick = [(cells["疾病名称"], cells["确诊日期"]) for dept, cells in texts.values()
            if dept == "health" and cells["疾病类别"] in ("大病", "重大慢性病")
            and rate["village"].iloc[0].startswith(cells["村"])]
    assert len(sick) >= 8 and len(set(sick)) > 1
    project = alerts[alerts["risk_type"] == "industry"]
    assert len(project) == 1 and project["village"].iloc[0] != ""
    assert int(project["households"].iloc[0]) == demo_settings()["values"]["agriculture"]["cluster_households"]
    flood = alerts[(alerts["risk_type"] == "disaster") & (alerts["village"] != "")]
    assert len(flood) == 1 and 8 <= int(flood["households"].iloc[0]) <= size
    village = flood["village"].iloc[0]
    flooded = [
        cells for dept, cells in texts.values()
        if dept == "emergency" and cells["灾害类型"] == "洪涝" and cells["受灾情况"] in ("房屋倒塌", "房屋严重损坏")
        and village.startswith(cells["村"])
    ]
    assert len(flooded) >= 8


def test_planted_shocks_are_the_alerts_not_counts_nor_last_months_flood():
    def rows(n, shock, township, village, risk_type, ongoing="", kind="match"):
        return pd.DataFrame({"household_no": [f"h{shock}{village}{ongoing}{kind}{i}" for i in range(n)],
                             "shock": shock, "township": township, "village": village,
                             "risk_type": risk_type, "ongoing_from": ongoing, "kind": kind})
    warned = pd.concat([
        rows(40, "", "三合街道", "东村", "illness"),  # the old rule (township ≥ 15) alerted here
        rows(10, "flood", "桃花镇", "新建村", "disaster"),
        rows(3, "flood", "桃花镇", "新建村", "disaster", ongoing="2026-09"),  # last month's flood
        rows(2, "flood", "桃花镇", "新建村", "disaster", kind="bad"),  # quarantined rows
    ], ignore_index=True)
    assert planted_shocks(warned).values.tolist() == [["桃花镇", "新建村", "disaster", 10, "event"]]
    rate = pd.concat([warned, rows(9, "rate", "三合街道", "东村", "illness")], ignore_index=True)
    assert ["三合街道", "东村", "illness", 9, "rate"] in planted_shocks(rate).values.tolist()


def test_truth_holds_no_ids_or_phones(county):
    for path in county.truth.values():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(\d{17}[\dXx]|\d{15})\b", text), path.name
        assert not re.search(r"1[3-9]\d0000\d{4}", text), path.name
