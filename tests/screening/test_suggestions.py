"""Suggested policies from a household's members, records and risks (both databases)."""
import datetime as dt

from screening.suggestions import household_facts, suggest_policies
from tests.support.warehouse import building
from warehouse.help_tables import HelpMeasure
from warehouse.db import session_scope

AS_OF = dt.date(2026, 11, 30)


def _household(b, no, members, household_type="脱贫户", risk_status="风险未消除", income=6500.0):
    hh = b.household(no, county="示范县", township="龙河镇", village="双河村",
                     household_type=household_type, risk_status=risk_status,
                     income_per_capita=income, size=len(members))
    people = [b.person(hh, name, b.ids.new(birth), relation=rel, labour_capacity=cap)
              for name, rel, birth, cap in members]
    return hh, people


def _record(b, department, person, hh, fields, period="2026-10"):
    batch = b.batch(department, period)
    rec = b.record(batch, 3, person.name, b.ids.new(person.birth_date or dt.date(1980, 1, 1)),
                   fields=fields, raw={})
    b.link(rec, person, hh)


def test_a_vocational_school_child_gets_yulu_with_a_reason_in_chinese(ctx):
    with building(ctx) as b:
        hh, (father, son) = _household(b, "5002300101", [
            ("王大山", "户主", dt.date(1975, 5, 1), "普通劳动力"),
            ("王小川", "之子", dt.date(2009, 3, 2), "无劳动力")], income=15000.0)
        _record(b, "education", son, hh, {"school": "示范县职业教育中心", "grade": "二年级",
                                         "enrollment_status": "在读"})
        _record(b, "hr", father, hh, {"employment_status": "返乡未就业"})
        b.add(HelpMeasure(household_id=hh.id, policy="就业技能培训", kind="开发式",
                          start_date=dt.date(2026, 11, 2), actor="town_a"))
        hid = hh.id
    with session_scope(ctx.engine) as s:
        found = {p["policy"]: p for p in suggest_policies(s, hid, ctx.settings, ctx.home, AS_OF)}
        house, members = household_facts(s, hid, ctx.settings, AS_OF, ctx.home)
    assert found["雨露计划"]["kind"] == "开发式"
    assert found["雨露计划"]["reason"] == "王小川17岁，在示范县职业教育中心就读，可申请雨露计划职业教育补助"
    assert found["雨露计划"]["risk_types"] == ["schooling"]
    assert found["就业技能培训"]["recorded"] and not found["雨露计划"]["recorded"]
    assert "王大山51岁" in found["就业技能培训"]["reason"] and "返乡未就业" in found["就业技能培训"]["reason"]
    assert "低保" not in found and "特困供养" not in found  # someone can work, income above the line
    assert house["workers"] == 1 and not house["nobody_able_to_work"]
    assert [m["vocational"] for m in members] == [False, True]


def test_nobody_able_to_work_gets_dibao_and_tekun_and_no_development_measure(ctx):
    with building(ctx) as b:
        hh, (grandma, _) = _household(b, "5002300102", [
            ("刘桂英", "户主", dt.date(1950, 8, 8), "丧失劳动力"),
            ("刘小红", "之孙女", dt.date(2016, 1, 9), "无劳动力")])
        _record(b, "medical_insurance", grandma, hh, {"insurance_status": "正常参保",
                                                      "total_cost": 60000, "out_of_pocket": 12500.5})
        _record(b, "health", grandma, hh, {"disease": "脑梗死", "disease_category": "重大慢性病"})
        hid = hh.id
    with session_scope(ctx.engine) as s:
        found = {p["policy"]: p for p in suggest_policies(s, hid, ctx.settings, ctx.home, AS_OF)}
    assert found["低保"]["kind"] == "兜底"
    assert found["低保"]["reason"].startswith("家中无劳动能力成员")
    assert "6500" in found["低保"]["reason"]
    assert "刘桂英76岁" in found["特困供养"]["reason"] and "刘小红10岁" in found["特困供养"]["reason"]
    assert found["医疗救助"]["reason"] == "刘桂英今年个人自付医疗费用 12500.5 元，超过 10000 元"
    assert "大病保险倾斜" in found and "家庭医生签约" in found
    assert not [p for p in found.values() if p["kind"] == "开发式"]


def test_records_and_risks_feed_household_policies_and_old_ones_do_not(ctx):
    with building(ctx) as b:
        hh, (head,) = _household(b, "5002300103", [("赵铁", "户主", dt.date(1980, 2, 2), "普通劳动力")])
        _record(b, "housing", head, hh, {"grade": "D", "occupied": True})
        _record(b, "water", head, hh, {"quantity_ok": True, "quality_ok": False,
                                       "access_ok": True, "reliability_ok": True})
        _record(b, "civil_affairs", head, hh, {"assistance_type": "低保", "change_type": "新增"},
                period="2025-01")  # outside the 12 months read: says nothing now
        b.warning("W2026-10-00001", f"hh:{hh.id}", risk_type="industry", household_id=hh.id,
                  township="龙河镇", status="monitored", reason="产业项目失败")
        hid = hh.id
    with session_scope(ctx.engine) as s:
        found = {p["policy"]: p for p in suggest_policies(s, hid, ctx.settings, ctx.home, AS_OF)}
    assert found["农村危房改造"]["reason"] == "住房鉴定为D级且有人居住，可申请农村危房改造"
    assert "饮水工程维修" in found
    assert "产业项目风险" in found["产业奖补"]["reason"]
    assert "低保" in found  # income under the line, and the 2025 record is too old to count


def test_a_reason_names_two_members_and_counts_the_rest(ctx):
    with building(ctx) as b:
        people = [(f"孙{i}", "户主" if i == 0 else "之子", dt.date(1980 + i, 1, 1), "普通劳动力")
                  for i in range(4)]
        hh, members = _household(b, "5002300104", people, income=20000.0)
        for m in members:
            _record(b, "hr", m, hh, {"employment_status": "失业"})
        hid = hh.id
    with session_scope(ctx.engine) as s:
        found = {p["policy"]: p for p in suggest_policies(s, hid, ctx.settings, ctx.home, AS_OF)}
    reason = found["就业技能培训"]["reason"]
    assert reason.startswith("孙046岁，失业") and "孙145岁" in reason and reason.endswith("另有 2 人符合")


def test_an_unknown_household_has_no_suggestions(ctx):
    with session_scope(ctx.engine) as s:
        assert suggest_policies(s, 999999, ctx.settings, ctx.home, AS_OF) == []
