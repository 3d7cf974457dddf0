"""Risks from the roster itself (issue 19, Deliver 2), screened on SQLite and PostgreSQL.

Households come from the shared builder with their 劳动能力 and 人均纯收入; department records
are linked as matching would link them; everything goes through screen_period and the YAML rules.
"""
import datetime as dt

from sqlalchemy import func, select

from screening.screen import screen_period
from tests.screening.factory import PERIOD, County
from tests.support.warehouse import plaintext_columns
from warehouse.db import session_scope
from warehouse.models import FeedRecord, RiskWarning, WarningEvidence

ABLE, UNABLE, NONE = "普通劳动力", "丧失劳动力", "无劳动力"


def _household(county: County, no: str, income: float, capacities: tuple[str | None, ...],
               risk_status: str | None = "风险已消除", household_type: str = "脱贫户") -> dict:
    """A roster household whose members have the given 劳动能力 (the first is the head)."""
    with session_scope(county.ctx.engine) as s:
        b = county._builder(s)
        hh = b.household(no, county="示范县", township="龙河镇", village="双河村",
                         household_type=household_type, risk_status=risk_status,
                         income_per_capita=income, size=len(capacities))
        persons = [b.person(hh, f"王{'甲乙丙丁戊'[k]}", county.new_id(dt.date(1960 + 10 * k, 3, 4)),
                            relation="户主" if k == 0 else "之子", labour_capacity=c).id
                   for k, c in enumerate(capacities)]
        return {"household_id": hh.id, "persons": persons, "no": no}


def _warnings(ctx) -> dict[tuple[str, str], RiskWarning]:
    with session_scope(ctx.engine) as s:
        rows = s.execute(select(RiskWarning).order_by(RiskWarning.id)).scalars().all()
        s.expunge_all()
    return {(w.subject_key, w.risk_type): w for w in rows}


def _key(hh: dict) -> str:
    return f"hh:{hh['household_id']}"


def test_income_below_the_band_after_medical_and_schooling_costs_warns_with_the_sums(ctx):
    county = County(ctx)
    poor = _household(county, "5002300101", 8600.0, (ABLE, ABLE))  # under 9,000 on its own
    costly = _household(county, "5002300102", 16000.0, (ABLE, ABLE, ABLE))
    helped = _household(county, "5002300103", 5000.0, (ABLE,), risk_status="风险未消除")
    comfortable = _household(county, "5002300104", 16000.0, (ABLE, ABLE))
    insurance, education = county.batch("medical_insurance"), county.batch("education")
    # 18,000 + 9,000 out of pocket and 12,000 schooling: 39,000 / 3 = 13,000 a member → 3,000 < 7,000
    county.record(insurance, {"insurance_status": "正常参保", "out_of_pocket": 18000.0}, person=(costly, 0))
    county.record(insurance, {"insurance_status": "正常参保", "out_of_pocket": 9000.0}, person=(costly, 1))
    county.record(education, {"enrollment_status": "在读", "schooling_cost": 12000.0}, person=(costly, 2))
    # 9,500 out of pocket is no large cost (under 10,000): nothing is deducted
    county.record(insurance, {"insurance_status": "正常参保", "out_of_pocket": 9500.0}, person=(comfortable, 0))

    summary = screen_period(ctx, PERIOD)
    got = _warnings(ctx)
    # under the band on its own: 其他; pushed under it by costs, mostly medical: 因病
    assert (got[(_key(poor), "other")].level, got[(_key(costly), "illness")].level) == ("yellow", "red")
    assert "人均纯收入 8,600 元，低于预警线 9,000 元" in got[(_key(poor), "other")].reason
    assert ("人均纯收入 16,000 元，扣除个人自付医疗费用 27,000 元、教育支出 12,000 元后人均 3,000 元，"
            "低于监测线 7,000 元") in got[(_key(costly), "illness")].reason
    assert (_key(costly), "other") not in got
    # a monitored object still at risk is already being helped; a cost that is not large stays
    assert not [k for k in got if k[0] in (_key(helped), _key(comfortable))]
    assert got[(_key(poor), "other")].sources == ["花名册 户编号5002300101"]
    assert summary["roster_records"] == 2
    with session_scope(ctx.engine) as s:
        evidence = s.execute(select(WarningEvidence.department, WarningEvidence.rule, WarningEvidence.value)
                             .order_by(WarningEvidence.id)).all()
    assert ("registry", "roster_cost_burden_illness", "3000.0") in [tuple(e) for e in evidence]


def test_a_household_where_nobody_can_work_is_lack_of_labour(ctx):
    county = County(ctx)
    idle = _household(county, "5002300201", 15000.0, (UNABLE, NONE))
    mixed = _household(county, "5002300202", 15000.0, (UNABLE, ABLE))
    unknown = _household(county, "5002300203", 15000.0, (None, None))  # blank 劳动能力 is not "unable"
    screen_period(ctx, PERIOD)
    got = _warnings(ctx)
    warning = got[(_key(idle), "labour")]
    assert (warning.level, warning.action) == ("yellow", "identification")
    assert "家庭 2 人均无劳动能力（丧失劳动力 1 人、无劳动力 1 人）" in warning.reason
    assert not [k for k in got if k[0] in (_key(mixed), _key(unknown))]


def test_a_working_age_death_leaving_nobody_able_to_work_raises_accident_and_lack_of_labour(ctx):
    county = County(ctx)
    widow = _household(county, "5002300301", 15000.0, (ABLE, NONE), risk_status=None)
    family = _household(county, "5002300302", 15000.0, (ABLE, ABLE), risk_status=None)
    police = county.batch("police")
    death = {"event_type": "死亡", "event_date": "2026-10-05"}
    county.record(police, death, person=(widow, 0), birth=dt.date(1980, 6, 1))
    county.record(police, death, person=(family, 0), birth=dt.date(1980, 6, 1))
    screen_period(ctx, PERIOD)
    got = _warnings(ctx)
    assert {k[1]: w.level for k, w in got.items() if k[0] == _key(widow)} == {"accident": "red", "labour": "orange"}
    assert {k[1] for k in got if k[0] == _key(family)} == {"accident"}
    assert "46 岁成员死亡后，家中再无有劳动能力的成员" in got[(_key(widow), "labour")].reason
    assert got[(_key(widow), "labour")].sources == ["police_2026-10.xlsx#3"]


def test_the_new_departments_and_the_civil_affairs_watch_warn_through_the_pipeline(ctx):
    county = County(ctx)
    hh = [_household(county, f"500230040{k}", 15000.0, (ABLE, ABLE), risk_status=None) for k in range(4)]
    disability, agriculture = county.batch("disability"), county.batch("agriculture")
    civil, housing = county.batch("civil_affairs"), county.batch("housing")
    county.record(disability, {"disability_category": "视力", "disability_grade": "一级", "change_type": "新办",
                               "change_date": "2026-10-02"}, person=(hh[0], 1))
    county.record(agriculture, {"industry_type": "种植", "project": "脐橙种植", "loss_type": "绝收",
                                "loss": 32000.0, "loss_date": "2026-10-01"}, person=(hh[1], 0))
    county.record(civil, {"assistance_type": "低保", "change_type": "退出", "change_date": "2026-03-15",
                          "amount": 0.0, "income_per_capita": 12500.0}, person=(hh[2], 0))
    county.record(housing, {"grade": "D", "occupied": False, "occupancy": "间歇性居住"}, person=(hh[3], 0))
    screen_period(ctx, PERIOD)
    got = {(k[0], k[1], w.level) for k, w in _warnings(ctx).items()}
    assert got == {(_key(hh[0]), "disability", "orange"), (_key(hh[1]), "industry", "orange"),
                   (_key(hh[2]), "other", "yellow"), (_key(hh[3]), "housing", "yellow")}


def test_screening_twice_keeps_one_roster_record_and_one_warning_and_stores_no_id(ctx):
    county = County(ctx)
    poor = _household(county, "5002300501", 6200.0, (UNABLE, UNABLE))
    first = screen_period(ctx, PERIOD)
    again = screen_period(ctx, PERIOD)
    assert (first["warnings_new"], again["warnings_new"], again["warnings_unchanged"]) == (2, 0, 2)
    with session_scope(ctx.engine) as s:
        stored = s.execute(select(FeedRecord.department, FeedRecord.fields, FeedRecord.id_masked,
                                  FeedRecord.id_cipher)).all()
        assert s.scalar(select(func.count()).select_from(WarningEvidence)) == 2
    assert len(stored) == 1
    department, fields, masked, cipher = stored[0]
    assert (department, fields["household_no"], cipher) == ("registry", poor["no"], None)
    assert "*" in masked
    assert plaintext_columns(ctx.engine, county.plain_ids) == []
