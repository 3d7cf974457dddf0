"""Every default rule fires on a planted record, stays quiet on benign ones, and reads YAML."""
import re

import pytest
import yaml

from screening.rules import OPERATORS, Operator, RuleError, format_reason, load_rules

SETTINGS = {"county": {"code": "500230"}, "screening": {"rules": "default"}}

# department, fields, risk type, level, words the reason must contain
PLANTED = [
    ("health", {"disease_category": "大病", "disease": "白血病"}, "illness", "red", "确诊大病（白血病）"),
    ("health", {"disease_category": "重大慢性病", "disease": "尿毒症"}, "illness", "orange", "重大慢性病"),
    ("medical_insurance", {"insurance_status": "正常参保", "out_of_pocket": 86488.0}, "illness", "red",
     "个人自付 86,488 元，超过 50,000 元"),
    ("medical_insurance", {"insurance_status": "正常参保", "out_of_pocket": 26000.0}, "illness", "orange",
     "个人自付 26,000 元，超过 20,000 元"),
    ("medical_insurance", {"insurance_status": "中断", "out_of_pocket": 100.0}, "illness", "orange", "基本医保中断"),
    ("education", {"enrollment_status": "辍学", "age": 12, "school": "双河小学"}, "schooling", "red", "12 岁"),
    ("education", {"enrollment_status": "在读", "age": 12, "schooling_cost": 15000.0}, "schooling", "yellow",
     "年度教育支出 15,000 元，超过 10,000 元"),
    ("housing", {"grade": "D", "occupied": True}, "housing", "red", "D 级危房"),
    ("housing", {"grade": "C", "occupied": "是"}, "housing", "orange", "C 级危房"),
    ("water", {"quantity_ok": True, "quality_ok": False, "access_ok": True, "reliability_ok": True},
     "water", "orange", "饮水安全不达标：水质"),
    ("emergency", {"disaster_type": "洪涝", "damage": "房屋倒塌", "direct_loss": 80000.0}, "disaster", "red",
     "洪涝致房屋倒塌"),
    ("emergency", {"disaster_type": "台风", "damage": "农作物受灾", "direct_loss": 12000.0}, "disaster",
     "orange", "直接经济损失 12,000 元"),
    ("emergency", {"disaster_type": "地质灾害", "damage": "人员伤亡", "direct_loss": 0.0}, "accident", "red",
     "人员伤亡"),
    ("hr", {"employment_status": "返乡未就业"}, "employment", "orange", "返乡未就业"),
    ("civil_affairs", {"assistance_type": "低保", "change_type": "新增", "amount": 500.0,
                       "income_per_capita": 12500.0}, "other", "yellow", "新纳入低保"),
    ("civil_affairs", {"assistance_type": "临时救助", "change_type": "新增", "amount": 3500.0,
                       "income_per_capita": 12500.0}, "other", "yellow", "临时救助 3,500 元"),
    ("civil_affairs", {"assistance_type": "低保", "change_type": "续保", "amount": 500.0,
                       "income_per_capita": 5200.0}, "other", "red", "低于监测线 7,000 元"),
    # seed 004 §14: a 低保 that ended within 12 months is watched through its 渐退期
    ("civil_affairs", {"assistance_type": "低保", "change_type": "退出", "change_date": "2026-02-10",
                       "amount": 0.0, "income_per_capita": 12500.0}, "other", "yellow", "延保渐退期"),
    # seed 001 二(二): an unsafe house lived in part of the year
    ("housing", {"grade": "C", "occupied": False, "occupancy": "间歇性居住"}, "housing", "yellow",
     "C 级危房，间歇性居住"),
    # issue 19: the three new departments
    ("disability", {"disability_category": "肢体", "disability_grade": "一级", "change_type": "新办",
                    "change_date": "2026-10-08"}, "disability", "orange", "新办肢体一级残疾证"),
    ("disability", {"disability_category": "精神", "disability_grade": "二级", "change_type": "换证",
                    "change_date": "2026-10-08"}, "disability", "orange", "换证精神二级"),
    ("police", {"event_type": "意外伤残", "event_date": "2026-10-03", "age": 45, "able_others": 1},
     "accident", "red", "45 岁劳动年龄成员意外伤残"),
    ("agriculture", {"project": "脐橙种植", "loss_type": "绝收", "loss": 26000.0, "industry_type": "种植"},
     "industry", "orange", "脐橙种植绝收，损失 26,000 元（不低于 10,000 元）"),
    ("agriculture", {"project": "生猪养殖", "loss_type": "经营失败", "loss": 10000.0}, "industry", "orange",
     "生猪养殖经营失败"),
    # risks from the roster itself (screening/roster_risks.py gives a household these fields)
    ("registry", {"risk_status": "风险已消除", "income_per_capita": 8400.0, "income_after_expenses": 8400.0,
                  "expense_detail": "", "members": 3, "able_members": 2}, "other", "yellow",
     "人均纯收入 8,400 元，低于预警线 9,000 元"),
    ("registry", {"risk_status": None, "income_per_capita": 6500.0, "income_after_expenses": 6500.0,
                  "expense_detail": "", "members": 4, "able_members": 2}, "other", "red",
     "人均纯收入 6,500 元，低于监测线 7,000 元"),
    # costs push a household over the band under it: the risk is what the costs are for
    ("registry", {"risk_status": None, "income_per_capita": 15000.0, "income_after_expenses": 3000.0,
                  "expense_detail": "，扣除个人自付医疗费用 36,000 元后人均 3,000 元", "expense_risk": "illness",
                  "members": 3, "able_members": 2}, "illness", "red", "扣除个人自付医疗费用 36,000 元后人均 3,000 元，低于监测线 7,000 元"),
    ("registry", {"risk_status": "风险已消除", "income_per_capita": 12000.0, "income_after_expenses": 8000.0,
                  "expense_detail": "，扣除教育支出 12,000 元后人均 8,000 元", "expense_risk": "schooling",
                  "members": 3, "able_members": 2}, "schooling", "yellow", "后人均 8,000 元，低于预警线 9,000 元"),
    ("registry", {"risk_status": "风险已消除", "income_per_capita": 15000.0, "income_after_expenses": 15000.0,
                  "members": 2, "able_members": 0, "labour_detail": "丧失劳动力 1 人、无劳动力 1 人"},
     "labour", "yellow", "家庭 2 人均无劳动能力（丧失劳动力 1 人、无劳动力 1 人）"),
]

BENIGN = [
    ("health", {"disease_category": "一般慢性病", "disease": "高血压"}),
    ("medical_insurance", {"insurance_status": "正常参保", "out_of_pocket": 4999.0}),
    ("education", {"enrollment_status": "在读", "age": 12, "schooling_cost": 3000.0}),
    ("education", {"enrollment_status": "辍学", "age": 17, "school": "职高"}),  # past compulsory age
    ("housing", {"grade": "B", "occupied": True}),
    ("housing", {"grade": "D", "occupied": False}),  # an empty ruin is not someone's unsafe home
    ("water", {"quantity_ok": True, "quality_ok": "是", "access_ok": True, "reliability_ok": True}),
    ("emergency", {"disaster_type": "洪涝", "damage": "农作物受灾", "direct_loss": 1999.0}),
    ("hr", {"employment_status": "稳定就业"}),
    ("civil_affairs", {"assistance_type": "低保", "change_type": "续保", "amount": 500.0,
                       "income_per_capita": 12000.0}),
    ("civil_affairs", {"assistance_type": "临时救助", "change_type": "新增", "amount": 1500.0,
                       "income_per_capita": 13000.0}),
    # a 低保 exit more than 12 months before the period's end is past its 渐退期
    ("civil_affairs", {"assistance_type": "低保", "change_type": "退出", "change_date": "2025-10-31",
                       "amount": 0.0, "income_per_capita": 13000.0}),
    ("housing", {"grade": "B", "occupied": False, "occupancy": "间歇性居住"}),
    ("disability", {"disability_category": "肢体", "disability_grade": "三级", "change_type": "新办"}),
    ("disability", {"disability_category": "肢体", "disability_grade": "一级", "change_type": "注销"}),
    ("police", {"event_type": "迁出", "age": 45, "able_others": 0}),
    ("police", {"event_type": "死亡", "age": 78, "able_others": 0}),  # past working age
    ("agriculture", {"project": "脐橙种植", "loss_type": "绝收", "loss": 9999.0}),
    ("agriculture", {"project": "脐橙种植", "loss_type": "价格下跌", "loss": 50000.0}),
    # a monitored object still at risk is being helped already; a blank income never fires
    ("registry", {"risk_status": "风险未消除", "income_after_expenses": 5000.0, "members": 2, "able_members": 0}),
    ("registry", {"risk_status": "风险已消除", "income_after_expenses": None, "members": 2, "able_members": 1}),
    ("registry", {"risk_status": "风险已消除", "income_after_expenses": 12000.0, "members": 0, "able_members": 0}),
    ("registry", {"risk_status": None, "income_per_capita": 15000.0, "income_after_expenses": 12000.0,
                  "expense_risk": "illness", "members": 3, "able_members": 3}),
]


@pytest.fixture(scope="module")
def rules():
    return load_rules(SETTINGS, "2026-10")


def _hits(rules, department, fields):
    return [h for r in rules.record_rules(department) if (h := r.evaluate(fields))]


@pytest.mark.parametrize("department,fields,risk_type,level,words", PLANTED)
def test_planted_record_fires_with_type_level_and_reason(rules, department, fields, risk_type, level, words):
    hits = _hits(rules, department, fields)
    assert [(h.risk_type, h.level) for h in hits] == [(risk_type, level)]
    assert words in hits[0].reason


@pytest.mark.parametrize("department,fields", BENIGN)
def test_benign_record_stays_quiet(rules, department, fields):
    assert _hits(rules, department, fields) == []


# A record two rules fire on (its own test below): a working-age death leaving nobody able to work.
LEAVES_NO_LABOUR = {"event_type": "死亡", "event_date": "2026-10-12", "age": 38, "able_others": 0}


def test_every_default_rule_is_exercised(rules):
    fired = {h.rule for d, f, *_ in [*PLANTED, ("police", LEAVES_NO_LABOUR)] for h in _hits(rules, d, f)}
    single = {r.id for r in rules.rules if not r.combined}
    assert fired == single


def test_combination_rule_needs_both_departments(rules):
    (combo,) = rules.combination_rules
    poor = {"income_per_capita": 8200.0, "_key": 1}
    costly = {"out_of_pocket": 14000.0, "_key": 2}
    hit, keys = combo.evaluate_combination({"civil_affairs": [poor], "medical_insurance": [costly]})
    assert (hit.risk_type, hit.level, sorted(keys)) == ("illness", "yellow", [1, 2])
    assert "8,200" in hit.reason and "14,000" in hit.reason
    assert combo.evaluate_combination({"civil_affairs": [poor]}) is None
    assert combo.evaluate_combination({"civil_affairs": [{**poor, "income_per_capita": 12000.0}],
                                       "medical_insurance": [costly]}) is None


def test_income_line_follows_year_and_region(rules):
    assert rules.parameters["income"]["monitoring_line"] == 7000
    fujian = load_rules({"county": {"code": "350102"}, "screening": {"rules": "default"}}, "2021-06")
    assert fujian.parameters["income"]["monitoring_line"] == 7152
    with pytest.raises(RuleError, match="no income line for 2021"):
        load_rules(SETTINGS, "2021-06")


def test_county_year_file_overrides_thresholds_and_rules(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "500230_2027.yaml").write_text(
        "parameters:\n"
        "  income_lines:\n"
        "    - {year: 2027, region: '500230', monitoring_line: 7600, warning_band: 9500}\n"
        "  medical: {out_of_pocket_orange: 15000}\n"
        "rules:\n"
        "  - {id: schooling_cost, enabled: false}\n", encoding="utf-8")
    county = load_rules(SETTINGS, "2027-01", tmp_path)
    assert county.parameters["income"]["monitoring_line"] == 7600
    assert "schooling_cost" not in {r.id for r in county.rules}
    hits = _hits(county, "medical_insurance", {"out_of_pocket": 16000.0})
    assert [h.reason for h in hits] == ["个人自付 16,000 元，超过 15,000 元"]
    assert len(county.files) == 2


def test_malformed_rule_names_file_and_rule(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "500230.yaml").write_text(
        "rules:\n  - {id: odd, department: hr, risk_type: employment, level: red,\n"
        "     when: {field: employment_status, op: resembles, value: 失业}}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"500230\.yaml rule 'odd'.*op"):
        load_rules(SETTINGS, "2026-10", tmp_path)


def test_unknown_parameter_and_rule_set_are_clear_errors(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "500230.yaml").write_text(
        "rules:\n  - {id: odd, department: hr, risk_type: employment, level: red,\n"
        "     when: {field: monthly_income, op: lt, value: $hr.nothing}}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"\$hr\.nothing is not defined"):
        load_rules(SETTINGS, "2026-10", tmp_path)
    with pytest.raises(RuleError, match="rule set 'county9' not found"):
        load_rules({"county": {"code": "1"}, "screening": {"rules": "county9"}}, "2026-10")


def test_reason_survives_amounts_given_as_text():
    assert format_reason("自付 {x:,.0f} 元", {"x": "86488"}) == "自付 86,488 元"


# operator → (rule value, a field value that fires, one that stays quiet, a value it refuses)
OPERATOR_CASES = {
    "eq": ("失业", "失业", "在业", None),
    "ne": ("在业", "失业", "在业", None),
    "in": (["失业", "待业"], "失业", "在业", "失业"),
    "not_in": (["在业"], "失业", "在业", "在业"),
    "is_true": (None, "是", "否", None),
    "is_false": (None, "否", "是", None),
    "present": (None, "x", "", None),
    "gt": (100, "1,000", "abc", "many"),
    "ge": (100, 100, 99.5, "many"),
    "lt": (100, 99, None, "many"),
    "le": (100, 100, 101, "many"),
    "between": ([1, 10], 5, 11, [1]),
    "within_months": ([12, "2026-10-31"], "2025-11-01", "2026-11-01", [12, "不是日期"]),
}


def _one_rule_county(home, op: str, value) -> None:
    (home / "rules").mkdir(exist_ok=True)
    rule = {"id": "probe", "department": "hr", "risk_type": "employment", "level": "red",
            "reason": "见 {employment_status}", "when": {"field": "employment_status", "op": op}}
    if value is not None:
        rule["when"]["value"] = value
    text = yaml.safe_dump({"rules": [rule]}, allow_unicode=True)
    (home / "rules" / "500230.yaml").write_text(text, encoding="utf-8")


def _probe(rules, value) -> bool:
    (rule,) = [r for r in rules.record_rules("hr") if r.id == "probe"]
    return rule.evaluate({"employment_status": value}) is not None


@pytest.mark.parametrize("op", sorted(OPERATOR_CASES))
def test_each_operator_of_the_table_loads_fires_and_refuses_a_wrong_value(tmp_path, op):
    value, fires, quiet, refused = OPERATOR_CASES[op]
    _one_rule_county(tmp_path, op, value)
    rules = load_rules(SETTINGS, "2026-10", tmp_path)
    assert _probe(rules, fires) and not _probe(rules, quiet)
    if refused is not None:
        _one_rule_county(tmp_path, op, refused)
        needs = re.escape(OPERATORS[op].needs)
        with pytest.raises(RuleError, match=rf"rule 'probe'.*`{op}` needs {needs}, got"):
            load_rules(SETTINGS, "2026-10", tmp_path)


def test_the_operator_table_is_the_only_place_an_operator_is_defined(tmp_path, monkeypatch):
    assert set(OPERATOR_CASES) == set(OPERATORS)  # a new operator gets a case above
    starts = Operator(lambda v, t: str(v or "").startswith(t), "the field starts with the value",
                      value_ok=lambda v: isinstance(v, str), needs="a text")
    monkeypatch.setitem(OPERATORS, "starts_with", starts)
    _one_rule_county(tmp_path, "starts_with", "返乡")
    rules = load_rules(SETTINGS, "2026-10", tmp_path)  # the validator accepts it ...
    assert _probe(rules, "返乡未就业") and not _probe(rules, "稳定就业")  # ... the evaluator runs it
    _one_rule_county(tmp_path, "starts_with", 3)
    with pytest.raises(RuleError, match="`starts_with` needs a text, got 3"):
        load_rules(SETTINGS, "2026-10", tmp_path)


def test_a_working_age_death_that_leaves_nobody_able_to_work_is_also_lack_of_labour(rules):
    death = LEAVES_NO_LABOUR
    hits = _hits(rules, "police", death)
    assert [(h.risk_type, h.level) for h in hits] == [("accident", "red"), ("labour", "orange")]
    assert "家中再无有劳动能力的成员" in hits[1].reason
    assert [h.risk_type for h in _hits(rules, "police", {**death, "able_others": 1})] == ["accident"]
    # not linked to a roster member: nothing known about the household, no 缺劳动力
    assert [h.risk_type for h in _hits(rules, "police", {**death, "able_others": None})] == ["accident"]


def test_every_risk_type_of_the_eleven_has_a_rule_that_fires(rules):
    fired = {risk for _, _, risk, _, _ in PLANTED}
    assert fired == set(rules.risk_types) and len(fired) == 11


def test_the_low_assistance_watch_counts_twelve_months_back_from_the_period_end():
    march = load_rules(SETTINGS, "2027-03")
    exit_ = {"assistance_type": "低保", "change_type": "停发", "amount": 0.0, "income_per_capita": 13000.0}
    watch = [r for r in march.record_rules("civil_affairs") if r.id == "low_assistance_exit"][0]
    assert watch.evaluate({**exit_, "change_date": "2026-04-01"}) is not None
    assert watch.evaluate({**exit_, "change_date": "2026-03-31"}) is None  # 12 months are over
    assert watch.evaluate({**exit_, "change_date": "2027-04-02"}) is None  # a date in the future


def test_a_low_income_household_with_large_costs_is_both_low_income_and_at_risk_of_the_costs(rules):
    both = {"risk_status": None, "income_per_capita": 8800.0, "income_after_expenses": 5800.0,
            "expense_detail": "，扣除教育支出 12,000 元后人均 5,800 元", "expense_risk": "schooling",
            "members": 4, "able_members": 2}
    assert [(h.risk_type, h.level) for h in _hits(rules, "registry", both)] == [("other", "red"), ("schooling", "red")]
