"""screen_period on SQLite and PostgreSQL: warnings, merging, ongoing events, leads, tasks."""
import datetime as dt

from sqlalchemy import select

from screening.deadlines import due_date
from screening.screen import screen_period
from tests.screening.factory import ARRIVED, PERIOD, County
from warehouse.db import session_scope
from warehouse.models import Alert, VerificationTask, RiskWarning, WarningEvidence

ILLNESS = {"disease_category": "大病", "disease": "白血病", "diagnosis_date": "2026-09-20"}
COST = {"insurance_status": "正常参保", "out_of_pocket": 86488.0, "total_cost": 120000.0}
BENIGN_COST = {"insurance_status": "正常参保", "out_of_pocket": 3200.0, "total_cost": 9000.0}
FLOOD = {"disaster_type": "洪涝", "damage": "房屋倒塌", "direct_loss": 60000.0}


def _warnings(ctx):
    with session_scope(ctx.engine) as s:
        return s.execute(select(RiskWarning).order_by(RiskWarning.id)).scalars().all()


def _table(ctx, model):
    with session_scope(ctx.engine) as s:
        rows = s.execute(select(model).order_by(model.id)).scalars().all()
        return [{c.name: getattr(r, c.name) for c in model.__table__.columns} for r in rows]


def test_planted_risks_warn_the_right_household_and_benign_ones_stay_quiet(ctx):
    county = County(ctx)
    sick, well = county.household("5002300001"), county.household("5002300002")
    child = county.household("5002300003", members=(("张小明", dt.date(2014, 5, 1)),))
    health, insurance = county.batch("health"), county.batch("medical_insurance")
    education = county.batch("education")
    county.record(health, ILLNESS, person=(sick, 0))
    county.record(insurance, BENIGN_COST, person=(well, 0))
    county.record(education, {"enrollment_status": "辍学", "school": "双河小学"}, person=(child, 1),
                  resident_id=None)  # unreadable ID: age comes from the roster person
    summary = screen_period(ctx, PERIOD)
    got = {(w.household_id, w.risk_type, w.level) for w in _warnings(ctx)}
    assert got == {(sick["household_id"], "illness", "red"), (child["household_id"], "schooling", "red")}
    assert summary["warnings_new"] == 2 and summary["records"] == 3 and summary["linked"] == 3


def test_departments_merge_into_one_warning_with_every_source(ctx):
    county = County(ctx)
    hh = county.household("5002300001", members=(("张小红", dt.date(1995, 2, 2)),))
    health = county.batch("health", arrived_at=ARRIVED + dt.timedelta(hours=5))
    insurance = county.batch("medical_insurance")
    county.record(health, ILLNESS, person=(hh, 0))
    county.record(insurance, COST, person=(hh, 1))
    screen_period(ctx, PERIOD)
    (w,) = _warnings(ctx)
    assert (w.risk_type, w.level, w.action) == ("illness", "red", "assistance_review")
    assert w.sources == ["health_2026-10.xlsx#3", "medical_insurance_2026-10.xlsx#3"]
    assert "确诊大病（白血病）" in w.reason and "个人自付 86,488 元，超过 50,000 元" in w.reason
    assert w.batch_arrived_at.replace(tzinfo=dt.timezone.utc) == ARRIVED  # the earlier arrival
    evidence = _table(ctx, WarningEvidence)
    assert {(e["department"], e["rule"]) for e in evidence} == {
        ("health", "serious_illness"), ("medical_insurance", "medical_cost")}


def test_ongoing_event_updates_the_open_warning_next_month(ctx):
    county = County(ctx)
    hh = county.household("5002300001")
    county.record(county.batch("housing"), {"grade": "C", "occupied": True}, person=(hh, 0))
    screen_period(ctx, PERIOD)
    (first,) = _warnings(ctx)
    later = county.batch("housing", period="2026-11", arrived_at=ARRIVED + dt.timedelta(days=30))
    county.record(later, {"grade": "D", "occupied": True}, person=(hh, 0))
    summary = screen_period(ctx, "2026-11")
    (w,) = _warnings(ctx)
    assert summary["warnings_new"] == 0 and summary["warnings_updated"] == 1
    assert (w.id, w.code, w.opened_period, w.last_period) == (first.id, first.code, PERIOD, "2026-11")
    assert w.level == "red" and "D 级危房" in w.reason  # grew more serious: due sooner
    assert w.due_date == due_date("red", w.issued_at, ctx.settings)
    assert w.sources == ["housing_2026-10.xlsx#3", "housing_2026-11.xlsx#3"]
    assert {e["period"] for e in _table(ctx, WarningEvidence)} == {PERIOD, "2026-11"}
    (task,) = _table(ctx, VerificationTask)
    assert task["due_date"] == w.due_date


def test_closed_warning_is_reopened_as_a_new_one_next_month(ctx):
    county = County(ctx)
    hh = county.household("5002300001")
    county.record(county.batch("hr"), {"employment_status": "失业"}, person=(hh, 0))
    screen_period(ctx, PERIOD)
    with session_scope(ctx.engine) as s:
        s.execute(select(RiskWarning)).scalar_one().status = "closed"
    screen_period(ctx, PERIOD)  # a rerun of the closed month adds nothing
    assert len(_warnings(ctx)) == 1
    county.record(county.batch("hr", period="2026-11"), {"employment_status": "失业"}, person=(hh, 0))
    screen_period(ctx, "2026-11")
    assert [(w.opened_period, w.status) for w in _warnings(ctx)] == [(PERIOD, "closed"), ("2026-11", "open")]


def test_action_depends_on_the_household_risk_status(ctx):
    county = County(ctx)
    at_risk = county.household("5002300001", risk_status="风险未消除")
    cleared = county.household("5002300002", risk_status="风险已消除")
    ordinary = county.household("5002300003", risk_status=None, household_type="一般农户")
    batch = county.batch("hr")
    for hh in (at_risk, cleared, ordinary):
        county.record(batch, {"employment_status": "失业"}, person=(hh, 0))
    screen_period(ctx, PERIOD)
    actions = {w.household_id: w.action for w in _warnings(ctx)}
    assert actions == {at_risk["household_id"]: "assistance_review",
                       cleared["household_id"]: "identification",
                       ordinary["household_id"]: "identification"}


def test_serious_risk_off_the_roster_becomes_a_lead_routed_to_its_village(ctx):
    county = County(ctx)
    health, emergency = county.batch("health"), county.batch("emergency")
    stranger_id = county.new_id(dt.date(1962, 7, 7))
    county.record(health, ILLNESS, link="none", name="王五", resident_id=stranger_id,
                  township="三合街道", village="青龙村")
    county.record(emergency, FLOOD, link="none", name="王五", resident_id=stranger_id,
                  township="三合街道", village="青龙村")
    county.record(health, {"disease_category": "大病", "disease": "肺癌"}, link="rejected",
                  name="赵六", resident_id=None, township="三合街道", village="青龙村")
    civil = county.batch("civil_affairs")  # a yellow risk alone is no lead
    county.record(civil, {"assistance_type": "低保", "change_type": "新增", "income_per_capita": 12500.0},
                  link="none", name="钱七")
    county.record(health, ILLNESS, link="review", name="孙八")  # waits for a reviewer
    summary = screen_period(ctx, PERIOD)
    leads = _warnings(ctx)
    assert summary["awaiting_review"] == 1 and summary["leads"] == 3
    assert {(w.lead_name, w.risk_type) for w in leads} == {("王五", "illness"), ("王五", "disaster"),
                                                          ("赵六", "illness")}
    for w in leads:
        assert w.is_lead and w.household_id is None and w.action == "identification"
        assert (w.township, w.village) == ("三合街道", "青龙村")
    wang = [w for w in leads if w.lead_name == "王五"]
    assert wang[0].subject_key == wang[1].subject_key and wang[0].subject_key.startswith("lead:")
    assert stranger_id not in wang[0].subject_key
    assert wang[0].lead_id_masked == stranger_id[:6] + "********" + stranger_id[-4:]
    zhao = next(w for w in leads if w.lead_name == "赵六")
    assert zhao.subject_key == "lead:赵六@青龙村" and zhao.lead_id_masked is None


def test_each_warning_gets_a_deadline_and_a_verification_task(ctx):
    county = County(ctx)
    batch = county.batch("water")
    for i in range(3):
        hh = county.household(f"500230000{i}")
        county.record(batch, {"quantity_ok": True, "quality_ok": False, "access_ok": True,
                              "reliability_ok": True}, person=(hh, 0))
    screen_period(ctx, PERIOD)
    tasks = {t["warning_id"]: t for t in _table(ctx, VerificationTask)}
    for w in _warnings(ctx):
        assert w.due_date == due_date("orange", w.issued_at, ctx.settings)
        assert (tasks[w.id]["due_date"], tasks[w.id]["status"], tasks[w.id]["township"]) == (
            w.due_date, "pending", "龙河镇")
    assert [w.code for w in _warnings(ctx)] == ["W2026-10-00001", "W2026-10-00002", "W2026-10-00003"]


def test_superseded_batches_are_ignored(ctx):
    county = County(ctx)
    hh = county.household("5002300001")
    old = county.batch("hr", status="superseded")
    county.record(old, {"employment_status": "失业"}, person=(hh, 0))
    assert screen_period(ctx, PERIOD)["records"] == 0
    assert _warnings(ctx) == []


def test_rerunning_a_period_changes_nothing(ctx):
    county = County(ctx)
    emergency, insurance = county.batch("emergency"), county.batch("medical_insurance")
    for i in range(6):
        hh = county.household(f"500230001{i}", village="双河村")
        county.record(emergency, FLOOD, person=(hh, 0))
        county.record(insurance, COST, person=(hh, 0))
    county.record(emergency, FLOOD, link="none", name="王五")
    first = screen_period(ctx, PERIOD)
    before = [_table(ctx, m) for m in (RiskWarning, WarningEvidence, VerificationTask, Alert)]
    second = screen_period(ctx, PERIOD)
    after = [_table(ctx, m) for m in (RiskWarning, WarningEvidence, VerificationTask, Alert)]
    assert after == before
    assert (first["warnings_new"], second["warnings_new"], second["warnings_updated"]) == (13, 0, 0)
    assert second["warnings_unchanged"] == 13


def test_small_fetch_and_lookup_chunks_give_the_same_warnings(ctx, monkeypatch):
    """Records streamed and warnings looked up a few at a time: same result, updates, reruns."""
    import screening.records
    import screening.warning_store
    from screening.records import load_period_records

    county = County(ctx)
    housing, insurance = county.batch("housing"), county.batch("medical_insurance")
    households = [county.household(f"500230002{i}", village="双河村") for i in range(5)]
    for hh in households:
        county.record(housing, {"grade": "C", "occupied": True}, person=(hh, 0))
        county.record(insurance, COST, person=(hh, 0), resident_id=None)  # age from the roster
    county.record(insurance, COST, link="none", name="王五")
    with session_scope(ctx.engine) as s:
        whole = [(r.record_id, r.subject and r.subject.key, r.fields) for r in load_period_records(s, PERIOD)]
    monkeypatch.setattr(screening.records, "FETCH_ROWS", 2)
    monkeypatch.setattr(screening.warning_store, "LOOKUP_CHUNK", 2)
    with session_scope(ctx.engine) as s:
        assert [(r.record_id, r.subject and r.subject.key, r.fields)
                for r in load_period_records(s, PERIOD)] == whole
    assert sorted(f["age"] for _, _, f in whole) == [46] * 6 + [56] * 5  # record, else roster birth
    assert screen_period(ctx, PERIOD)["warnings_new"] == 11
    first = {(w.subject_key, w.risk_type, w.level) for w in _warnings(ctx)}
    assert {k for k in first if not k[0].startswith("lead:")} == {
        (f"hh:{hh['household_id']}", t, lv) for hh in households
        for t, lv in (("housing", "orange"), ("illness", "red"))}
    assert [k[1:] for k in first if k[0].startswith("lead:")] == [("illness", "red")]
    later = county.batch("housing", period="2026-11", arrived_at=ARRIVED + dt.timedelta(days=30))
    for hh in households:
        county.record(later, {"grade": "D", "occupied": True}, person=(hh, 0))
    moved = screen_period(ctx, "2026-11")
    assert (moved["warnings_new"], moved["warnings_updated"]) == (0, 5)
    housing_warnings = [w for w in _warnings(ctx) if w.risk_type == "housing"]
    assert {(w.level, w.last_period, len(w.sources)) for w in housing_warnings} == {("red", "2026-11", 2)}
    tasks = {t["warning_id"]: t["due_date"] for t in _table(ctx, VerificationTask)}
    assert all(tasks[w.id] == w.due_date for w in housing_warnings)  # redated with their warning
    evidence = len(_table(ctx, WarningEvidence))
    again = screen_period(ctx, "2026-11")
    assert (again["warnings_new"], again["warnings_updated"], again["warnings_unchanged"]) == (0, 0, 5)
    assert len(_table(ctx, WarningEvidence)) == evidence == 16


AGRICULTURE_EVENT = ("alerts:\n  events:\n    agriculture: {key: [project, loss_date], dated_by: loss_date, "
                     "reason: \"{place} {households} 户 {project} 同日{loss_date}项目失败\"}\n")


def test_a_project_failing_for_five_households_on_one_day_is_one_regional_event(ctx):
    # The one line docs/departments.md gives for the rules YAML's alerts.events (a county overlay here).
    (ctx.home / "rules").mkdir(exist_ok=True)
    (ctx.home / "rules" / "500230.yaml").write_text(AGRICULTURE_EVENT, encoding="utf-8")
    county = County(ctx)
    batch = county.batch("agriculture")
    failed = {"industry_type": "种植", "project": "脐橙种植", "loss_type": "绝收", "loss": 26000.0,
              "loss_date": "2026-10-14"}
    for k in range(5):
        county.record(batch, failed, person=(county.household(f"50023007{k:02d}"), 0))
    other_day = county.household("5002300799")
    county.record(batch, {**failed, "loss_date": "2026-10-20"}, person=(other_day, 0))
    summary = screen_period(ctx, PERIOD)
    assert summary["warnings_new"] == 6
    (alert,) = _table(ctx, Alert)
    assert (alert["risk_type"], alert["households"], alert["village"]) == ("industry", 5, "双河村")
    assert "event" in alert["kind"] and "5 户 脐橙种植 同日2026-10-14项目失败" in alert["reason"]
