"""generate_county: deterministic for a seed, a second period keeps the roster, sane volumes."""
from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest
from openpyxl import load_workbook

from shouwang_tools.demo import generate_county
from tests.shouwang_tools.demo.conftest import HOUSEHOLDS, truth


def _digests(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _cells(path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_same_seed_gives_the_same_bytes(county, tmp_path):
    again = generate_county(HOUSEHOLDS, "2026-10", tmp_path / "again", seed=11)
    ledger = county.grid_ledger.name
    # The grid ledger is written by openpyxl, which stamps the save time: the same cells, not bytes.
    assert ({k: v for k, v in _digests(again.out).items() if k != ledger}
            == {k: v for k, v in _digests(county.out).items() if k != ledger})
    assert _cells(again.grid_ledger) == _cells(county.grid_ledger)
    assert len(_cells(county.grid_ledger)["网格台账"]) > 1
    assert len(_digests(county.out)) == 1 + 1 + 11 + 7  # roster, grid ledger, eleven feeds, seven truth files


def test_another_seed_gives_another_county(county, tmp_path):
    other = generate_county(HOUSEHOLDS, "2026-10", tmp_path / "other", seed=12)
    assert other.roster.read_bytes() != county.roster.read_bytes()


def test_next_period_keeps_the_roster_and_carries_ongoing_events(county, tmp_path):
    nxt = generate_county(HOUSEHOLDS, "2026-11", tmp_path / "nov", seed=11)
    assert nxt.roster.read_bytes() == county.roster.read_bytes()
    assert sorted(p.name for p in nxt.feeds.values()) == sorted(
        p.name.replace("2026-10", "2026-11") for p in county.feeds.values()
    )
    ongoing = truth(nxt, "ongoing")
    assert len(ongoing) > 0 and set(ongoing["first_period"]) == {"2026-10"}
    # Every ongoing event of November is a risk row October's files carried for that household.
    october = truth(county, "warnings")
    october_keys = set(zip(october["household_no"], october["risk_type"], october["department"]))
    carried = set(zip(ongoing["household_no"], ongoing["risk_type"], ongoing["department"]))
    roster_carried = {k for k in carried if k[0]}
    assert roster_carried and roster_carried <= october_keys


def test_counts_and_volumes(county):
    assert county.households == HOUSEHOLDS
    assert 3.0 <= county.persons / county.households <= 4.2
    rows = county.feed_rows
    assert 0.2 * county.persons <= rows["medical_insurance"] <= 0.45 * county.persons
    assert rows["health"] < rows["housing"] < rows["medical_insurance"]
    assert county.leads >= 3 and county.alerts >= 1 and county.warnings > county.leads
    links = truth(county, "links")
    assert len(links) == sum(rows.values())


def test_feed_scale_multiplies_every_feed_and_keeps_the_roster(county, tmp_path):
    light = generate_county(HOUSEHOLDS, "2026-10", tmp_path / "light", seed=11, feed_scale=0.4)
    assert light.roster.read_bytes() == county.roster.read_bytes()
    assert set(light.feed_rows) == set(county.feed_rows)
    # A scaled share of each feed's pool (planted risks, leads and floods come on top).
    assert 0.3 < sum(light.feed_rows.values()) / sum(county.feed_rows.values()) < 0.5
    assert light.feed_rows["medical_insurance"] == pytest.approx(
        0.4 * county.feed_rows["medical_insurance"], rel=0.15)
    assert len(truth(light, "links")) == sum(light.feed_rows.values())
    heavy = generate_county(HOUSEHOLDS, "2026-10", tmp_path / "heavy", seed=11, feed_scale=5)
    # No feed names a person twice: a whole pool is the most a share can reach.
    assert heavy.feed_rows["education"] <= county.feed_rows["education"] * 1.1
    assert heavy.feed_rows["medical_insurance"] > 3 * county.feed_rows["medical_insurance"]


def test_roster_shape(county):
    roster = pd.read_csv(county.roster, dtype=str, keep_default_na=False)
    assert list(roster.columns) == [
        "户编号", "县", "乡镇", "村", "组", "户类型", "风险状态", "人均纯收入", "家庭人口",
        "姓名", "身份证号", "与户主关系", "性别", "联系电话", "劳动能力",
    ]
    assert roster["户编号"].nunique() == HOUSEHOLDS
    assert roster["户编号"].str.fullmatch(r"\d{10,20}").all()
    assert (roster.groupby("户编号")["与户主关系"].apply(lambda r: (r == "户主").sum()) == 1).all()
    assert (roster.groupby("户编号").size() == roster.groupby("户编号")["家庭人口"].first().astype(int)).all()
    assert set(roster["户类型"]) >= {"脱贫户", "脱贫不稳定户", "边缘易致贫户", "一般农户"}
    monitored = roster["户类型"].isin(["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"])
    assert roster.loc[monitored, "风险状态"].isin(["风险未消除", "风险已消除"]).all()
    assert (roster.loc[~monitored, "风险状态"] == "").all()
    assert roster["乡镇"].str.endswith(("镇", "乡", "街道")).all()
    assert roster["村"].str.endswith(("村", "社区")).all()
    phones = roster.loc[roster["联系电话"] != "", "联系电话"]
    assert len(phones) and phones.str.fullmatch(r"1[3-9]\d0000\d{4}").all()
    assert roster["姓名"].str.contains("·").any()
    assert roster["姓名"].str[0].isin(list("曾单解仇翟朴")).any()
    assert roster["姓名"].value_counts().iloc[0] >= 5  # common names recur


def test_ages_follow_relations(county):
    roster = pd.read_csv(county.roster, dtype=str, keep_default_na=False)
    born = roster["身份证号"].str[6:10].astype(int)
    head = born.where(roster["与户主关系"] == "户主").groupby(roster["户编号"]).transform("max")
    gap = born - head  # years after the head's birth
    rel = roster["与户主关系"]
    assert (gap[rel.isin(["之子", "之女"])] >= 15).all()
    assert (gap[rel.isin(["之孙子", "之孙女"])] >= 35).all()
    assert (gap[rel.isin(["之父", "之母"])] <= -15).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"households": 100, "period": "2026-13"}, "YYYY-MM"),
        ({"households": 5, "period": "2026-10"}, "at least 20"),
        ({"households": 100, "period": "2026-10", "townships": 0}, "townships"),
        ({"households": 100, "period": "2026-10", "feed_scale": 0}, "feed scale must be above 0"),
    ],
)
def test_bad_arguments_say_what_to_do(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_county(out=tmp_path, **kwargs)


@pytest.mark.bench
def test_hundred_thousand_households_well_under_a_minute(tmp_path):
    county = generate_county(100_000, "2026-10", tmp_path, seed=1)
    print(county.summary())
    assert county.persons > 300_000
    assert county.seconds < 60


def test_current_month_has_no_future_dates(tmp_path):
    as_of = dt.date(2026, 11, 9)
    county = generate_county(120, "2026-11", tmp_path, seed=5, townships=2, as_of=as_of)
    health = pd.read_csv(county.feeds["health"], encoding="gbk", dtype=str, keep_default_na=False)
    days = pd.to_datetime(health["确诊日期"].where(health["姓名"] != "合计"), format="%Y/%m/%d", errors="coerce")
    assert days.notna().sum() > 10 and days.max() <= pd.Timestamp(as_of)
