"""Every row of a feed ends loaded, quarantined with a reason, or merged; nothing is lost."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import catalog
from connectors.errors import FeedError
from connectors.plan import plan_feed
from connectors.reader import read_sheet, sheet_from_records
from shouwang import config
from tests.connectors import factory as f

SETTINGS = config.settings()
PERSONS = f.people(20, seed=7)
# (header, bad cell, reason) per department: one cell that breaks the contract.
BAD = {
    "medical_insurance": [("个人自付", "约三千", "bad_amount"), ("参保状态", "待核查", "bad_enum"),
                          ("大病保险报销", "--", "bad_amount")],
    "health": [("确诊日期", "2026-13-45", "bad_date"), ("疾病类别", "其他病种", "bad_enum")],
    "housing": [("鉴定等级", "E", "bad_enum"), ("是否居住", "有人", "bad_bool"),
                ("鉴定日期", "2026/02/30", "bad_date")],
    "water": [("水量达标", "不知道", "bad_bool"), ("检查日期", "", "missing_value")],
    "civil_affairs": [("救助金额", "12..5", "bad_amount"), ("变动类型", "暂停", "bad_enum"),
                      ("家庭人口", "三口", "bad_int")],
    "hr": [("就业状态", "不详", "bad_enum"), ("状态变动日期", "2026年13月1日", "bad_date")],
    "emergency": [("直接经济损失", "--", "bad_amount"), ("受灾情况", "轻微", "bad_enum")],
    "education": [("学籍状态", "在校外", "bad_enum"), ("年度教育支出", "待核实", "bad_amount")],
}


def _plan(rows, department, validate=False):
    sheet = sheet_from_records(rows, f"{department}_2026-10.csv", "csv")
    return plan_feed(sheet, catalog.contract_for(department), SETTINGS, None, validate=validate)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(department=st.sampled_from(sorted(BAD)), data=st.data())
def test_every_bad_row_is_quarantined_with_its_reason(department, data):
    rows = f.feed_rows(department, PERSONS)
    damaged = data.draw(st.sets(st.integers(0, len(rows) - 1), max_size=8))
    expected = {}
    for i in damaged:
        header, cell, reason = data.draw(st.sampled_from(BAD[department]))
        rows[i][header] = cell
        expected[i + 2] = reason  # header is row 1
    plan = _plan(rows, department)
    frame = plan.records.frame
    got = {int(frame["source_row"].iat[pos]): ps[0].reason for pos, ps in plan.quarantine.items()}
    assert got == expected
    assert len(plan.load) + len(plan.quarantine) + len(plan.merged) == len(rows)
    for problems in plan.quarantine.values():
        assert problems[0].detail and problems[0].column


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.text(max_size=20), min_size=10, max_size=10))
def test_arbitrary_cells_never_crash_and_are_all_accounted_for(cells):
    row = f.row_for("civil_affairs", PERSONS[0])
    headers = list(row)
    rows = [dict(zip(headers, cells)), row]
    try:
        plan = _plan(rows, "civil_affairs")
    except FeedError as e:  # a whole-feed stop must say why
        assert e.reason == "too_many_bad_rows"
        return
    skipped = int(all(not c.strip() for c in cells)) + plan.located.totals_dropped
    assert plan.rows_read == 2 - skipped  # a blank row is no data; a 合计 row is counted apart
    assert len(plan.load) + len(plan.quarantine) + len(plan.merged) == plan.rows_read
    assert all(ps and ps[0].reason for ps in plan.quarantine.values())


def test_exact_duplicate_rows_merge_and_the_same_person_twice_with_other_values_does_not():
    rows = f.feed_rows("health", PERSONS[:5])
    rows.append(dict(rows[1]))
    other = dict(rows[2], 疾病名称="糖尿病")
    rows.append(other)
    plan = _plan(rows, "health")
    assert plan.merged == {5: 1}
    assert len(plan.load) == 6 and not plan.quarantine


def test_a_duplicate_written_differently_is_still_the_same_record():
    rows = f.feed_rows("medical_insurance", PERSONS[:3])
    twin = dict(rows[0], 个人自付=f"{float(rows[0]['个人自付']) / 10000}万",
                姓名=" ".join(rows[0]["姓名"]))
    plan = _plan(rows + [twin], "medical_insurance")
    assert plan.merged == {3: 0}


def test_id_mess_loads_flagged_not_quarantined():
    rows = f.feed_rows("hr", PERSONS[:4])
    rows[0]["身份证号"] = ""
    rows[1]["身份证号"] = PERSONS[1].rid[:15] + "000"
    rows[2]["身份证号"] = PERSONS[2].rid.lower().replace("x", "x")
    plan = _plan(rows, "hr")
    assert not plan.quarantine and len(plan.load) == 4
    assert plan.records.flags[0] == ["id_blank"]
    assert "id_excel_precision_lost" in plan.records.flags[1] or \
        PERSONS[1].rid.endswith("000")


def test_a_broken_id_with_a_name_and_a_place_loads_flagged():
    rows = f.feed_rows("health", PERSONS[:6])
    rid = PERSONS[0].rid
    rows[0]["身份证号"] = rid[:10] + rid[11] + rid[10] + rid[12:]  # swapped inside the birth date
    rows[1]["身份证号"] = rid[:6] + "9" + rid[7:]  # mistyped year digit: 9xxx, no such date
    rows[2]["身份证号"] = "5.00230E+16"  # Excel's scientific number
    rows[3]["身份证号"] = "ABC123"
    rows[4]["身份证号"] = ""
    plan = _plan(rows, "health")
    assert not plan.quarantine and len(plan.load) == 6
    statuses = plan.records.frame["id_status"].tolist()
    assert statuses[2:5] == ["id_excel_precision_lost", "id_bad_chars", "id_blank"]
    assert statuses[1] == "id_bad_birth_date" and statuses[5] == "ok"
    assert [plan.records.flags[k] for k in (1, 3)] == [["id_bad_birth_date"], ["id_bad_chars"]]


@pytest.mark.parametrize("department", ["health", "housing", "education"])
def test_a_usable_id_with_a_blank_name_loads(department):
    """The ID alone says who it is (issue 15); a blank name is quarantined nowhere."""
    rows = f.feed_rows(department, PERSONS[:4])
    name = {"housing": "户主姓名", "education": "学生姓名"}.get(department, "姓名")
    ident = {"housing": "户主身份证号", "education": "学生身份证号"}.get(department, "身份证号")
    rows[0][name] = ""  # valid ID
    rows[1].update({name: "", ident: PERSONS[1].rid[:9] + str((int(PERSONS[1].rid[9]) + 1) % 10)
                    + PERSONS[1].rid[10:]})  # one digit wrong: the typo keys still find them
    plan = _plan(rows, department)
    assert not plan.quarantine and len(plan.load) == 4
    assert plan.records.frame["id_status"].tolist()[:2] == ["ok", "id_bad_checksum"]


def test_a_row_that_identifies_no_one_is_quarantined_with_the_id_reason():
    rows = f.feed_rows("health", PERSONS[:5])
    rows[0].update(身份证号="ABC123", 姓名="")  # no usable ID, no name
    rows[1].update(身份证号="", 乡镇="", 村="")  # a name and nowhere to look for it
    rows[2].update(身份证号=PERSONS[2].rid[:6] + "9" + PERSONS[2].rid[7:], 乡镇="", 村="")  # digits
    plan = _plan(rows, "health")
    reasons = {pos: [p.reason for p in ps] for pos, ps in plan.quarantine.items()}
    assert set(reasons) == {0, 1}
    assert "id_bad_chars" in reasons[0] and "id_blank" in reasons[1]
    detail = " ".join(p.detail for ps in plan.quarantine.values() for p in ps)
    assert "no name" in detail and "no township or village" in detail
    assert PERSONS[0].rid not in detail


def test_a_feed_of_mostly_bad_rows_is_stopped_whole():
    rows = f.feed_rows("health", PERSONS[:6])
    for r in rows[:4]:
        r["确诊日期"] = "不详"
    with pytest.raises(FeedError) as e:
        _plan(rows, "health")
    assert e.value.reason == "too_many_bad_rows" and "确诊日期" in str(e.value)


def test_missing_column_and_wrong_department_messages_name_file_and_column(tmp_path):
    rows = f.feed_rows("health", PERSONS[:3])
    for r in rows:
        del r["疾病类别"]
    with pytest.raises(FeedError) as e:
        _plan(rows, "health")
    assert e.value.reason == "missing_column"
    assert "health_2026-10.csv" in str(e.value) and "疾病类别" in str(e.value)
    sheet = read_sheet(f.write_csv(tmp_path / "医保_2026-10.csv", f.feed_rows("water", PERSONS[:3])))
    with pytest.raises(FeedError) as e:
        plan_feed(sheet, catalog.contract_for("医保"), SETTINGS, None, validate=False)
    assert e.value.reason == "wrong_department" and "水利" in str(e.value)


def test_validation_by_the_expectations_room_joins_the_quarantine():
    rows = f.feed_rows("medical_insurance", PERSONS[:6])
    rows[0]["个人自付"] = "900000"  # more than the total cost: the suite's consistency check
    rows[1]["参保状态"] = "待核查"
    plan = _plan(rows, "medical_insurance", validate=True)
    assert plan.validated
    reasons = {int(plan.records.frame["source_row"].iat[p]): ps[0].reason
               for p, ps in plan.quarantine.items()}
    assert reasons[3] == "bad_enum"
    assert 2 in reasons  # found by the suite, not by the connector
    assert len(plan.load) + len(plan.quarantine) == 6


def test_releasing_the_source_cells_keeps_raw_rows_lineage_and_accounting():
    rows = f.feed_rows("medical_insurance", PERSONS)
    rows[3]["个人自付"] = "约三千"
    plan = _plan(rows, "medical_insurance")
    raw = [plan.records.raw[pos] for pos in range(plan.rows_read)]
    source_rows = plan.records.frame["source_row"].tolist()
    plan.release_cells()
    assert plan.located.sheet.rows == []
    assert [plan.records.raw[pos] for pos in range(plan.rows_read)] == raw
    assert raw[3]["个人自付"] == "约三千"  # the quarantined row's cells, as the quarantine shows them
    assert plan.records.frame["source_row"].tolist() == source_rows
    plan.check()
