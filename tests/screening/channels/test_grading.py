"""Each channel's default level comes from the rules YAML (channels:), overlays key by key."""
from __future__ import annotations

import pytest

from screening.channels.grading import channel_grades, channel_labels, grade
from screening.rules import RuleError, load_rules
from warehouse.channel_tables import CHANNELS

PERIOD = "2026-10"


def settings(code: str = "500230") -> dict:
    return {"county": {"code": code}, "screening": {"rules": "default"}}


def test_every_channel_has_a_level_a_label_and_its_seed():
    rules = load_rules(settings(), PERIOD)
    grades = channel_grades(settings(), PERIOD, None, rules)
    assert set(grades) == set(CHANNELS)
    assert all(g.level in rules.levels and g.label and g.seed for g in grades.values())
    # County-found channels are verified within a day (seed 000 step 2); the others in five.
    assert {c for c, g in grades.items() if g.level == "red"} == {"petition", "media", "city_feedback"}
    assert channel_labels(settings(), PERIOD, None, rules)["self_report"] == "农户自主申报"


def test_a_county_file_changes_one_channel_only(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "500230.yaml").write_text(
        "channels:\n  self_report: {level: red}\n", encoding="utf-8")
    rules = load_rules(settings(), PERIOD, tmp_path)
    grades = channel_grades(settings(), PERIOD, tmp_path, rules)
    assert grades["self_report"].level == "red" and grades["self_report"].label == "农户自主申报"
    assert grades["grid"].level == "orange"


def test_a_level_the_rules_do_not_have_is_refused_with_the_file(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "500230.yaml").write_text(
        "channels:\n  hotline: {level: purple}\n", encoding="utf-8")
    rules = load_rules(settings(), PERIOD, tmp_path)
    with pytest.raises(RuleError, match=r"500230.yaml: channels.hotline.level is 'purple'; use one of red"):
        channel_grades(settings(), PERIOD, tmp_path, rules)


def test_a_hit_cites_the_channel_and_quotes_the_reporter_briefly():
    rules = load_rules(settings(), PERIOD)
    grades = channel_grades(settings(), PERIOD, None, rules)
    hit = grade(grades, rules, "grid", "schooling", "孩子 不上学了，" + "很" * 80)
    assert (hit.rule, hit.risk_type, hit.level, hit.indicator) == ("channel:grid", "schooling", "orange",
                                                                   "网格员排查")
    assert hit.reason.startswith("网格员排查：因学（孩子 不上学了，") and hit.reason.endswith("…）")
    assert len(hit.value) <= 128
    assert grade(grades, rules, "media", "no-such-type", None).risk_type == "other"
    with pytest.raises(RuleError, match="channel 'fax' has no default level"):
        grade(grades, rules, "fax", "illness", None)
