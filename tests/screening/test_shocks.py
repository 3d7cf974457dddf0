"""The shock tests without a warehouse: the Poisson tail, and one flood being one alert."""
import math

import pytest

from screening.shocks import Baseline, Subject, county_rate, event_shocks, place_subjects, \
    poisson_tail, rate_shocks

RATE = {"significance": 0.0001, "min_households": 8, "reason": "{place} {risk} {households} 户，常态约 {expected} 户（{basis}）",
        "basis_history": "本地前 {periods} 期", "basis_county": "按全县本期比例"}
EVENTS = {"emergency": {"key": ["disaster_type", "disaster_date"], "dated_by": "disaster_date",
                        "reason": "{place} {households} 户 {disaster_type} 同日受灾"}}


def test_poisson_tail_is_the_upper_tail():
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - math.exp(-2))
    assert poisson_tail(3, 2.0) == pytest.approx(1 - math.exp(-2) * (1 + 2 + 2))
    assert poisson_tail(41, 18.0) == pytest.approx(
        1 - sum(math.exp(-18) * 18 ** k / math.factorial(k) for k in range(41)))
    assert poisson_tail(5, 0.0) == 0.0


def test_a_flooded_village_is_one_alert_not_also_its_township():
    flood = [Subject(f"hh:{i}", "龙河镇", "石板村", "disaster") for i in range(12)]
    ordinary = [Subject(f"hh:{100 + i}", "龙河镇", f"村{i % 4}", "disaster") for i in range(4)]
    subjects = flood + ordinary
    roster = {("龙河镇", None): 1000, ("龙河镇", "石板村"): 100,
              **{("龙河镇", f"村{i}"): 225 for i in range(4)}}
    current = place_subjects(subjects)
    baseline = Baseline(roster, {"disaster": 0.002}, [], 1.0)  # 2 a month in 1,000 households
    events = event_shocks([(s, "emergency", {"disaster_type": "洪涝", "disaster_date": "2026-10-05"})
                           for s in flood], EVENTS, 5, "2026-10")
    assert [(e.village, e.reason) for e in events] == [("石板村", "龙河镇石板村 12 户 洪涝 同日受灾")]
    rate = rate_shocks(current, baseline, events, {"disaster": "因自然灾害"}, RATE)
    assert [(r.township, r.village, len(r.subjects)) for r in rate] == [("龙河镇", "石板村", 12)]
    assert county_rate(current, roster) == {"disaster": 16 / 1000}
