"""`shouwang bench daily`: a small county's daily merge reports its seconds, memory and truth.

The functional test checks shapes and that the merge stayed incremental and right; the figure
for the issue (500 inputs on a 100,000-household county) comes from the run marked ``bench``.
"""
from __future__ import annotations

import json

import pytest

from shouwang.cli import main
from shouwang_tools.bench.daily import plan_inputs, run
from shouwang_tools.bench.e2e import bench_settings
from tests.support.pii import find_plaintext


def test_a_small_county_merges_its_day_and_says_how_right_it_was(home, tmp_path):
    result = run(300, 60, tmp_path / "work", month=False, cfg=bench_settings())
    d = result["daily"]
    assert d["rows"] == 60 and d["merged"]["inputs"] == 60
    assert d["seconds"] > 0 and d["peak_rss_mb"] > 0
    # Roster-sourced inputs reach their own household (a few may wait for review), never another.
    assert d["reached_own_household"] >= 0.9 * d["roster_inputs"]
    assert d["reached_other_household"] == 0
    assert sum(c["received"] for c in d["channels"].values()) == 60
    assert d["link"] and "'records': 60" in d["link"][0]
    planned = plan_inputs(tmp_path / "work" / "county" / "roster.csv", 60, 1,
                          __import__("datetime").date(2026, 10, 15))
    secrets = [p["resident_id"] for p in planned if p["resident_id"]] + [p["phone"] for p in planned]
    published = tmp_path / "work" / "county" / "published"
    assert find_plaintext([published, tmp_path / "work" / "warehouse.db"], secrets) == []


@pytest.mark.bench
def test_the_issue_day_500_inputs_on_100000_households(home, capsys):
    assert main(["bench", "daily", "--households", "100000", "--inputs", "500", "--month",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    with capsys.disabled():
        print("\n" + json.dumps(result["daily"], ensure_ascii=False, indent=1))
    d = result["daily"]
    assert d["merged"]["inputs"] == 500 and d["reached_other_household"] == 0
