"""Monthly returns to departments (seed 004 §6) on both databases, through the CLI as typed:
one XLSX per department with the month's newly monitored households and eliminated risks, in
the department's own columns, masked IDs and 户编号 only."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from connectors import catalog
from shouwang.cli import main
from tests.support.pii import find_plaintext
from tests.support.warehouse import SyntheticIds, building
from warehouse.models import HouseholdHistory, WarningHistory

UTC = dt.timezone.utc


def _utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def county(ctx):
    """Five households: A identified in October (its student dropped out), B identified on
    1 November county time (31 October in UTC), C whose risk was eliminated on the roster loaded
    5 October, D eliminated on its first roster already (no change) and E still at risk."""
    plain: list[str] = []
    with building(ctx, SyntheticIds(plain=plain), create_key=True) as b:
        houses = {}
        for key, town in zip("ABCDE", ("龙河镇", "龙河镇", "三合街道", "三合街道", "龙河镇")):
            hh = b.household(f"50023010010000000{'ABCDE'.index(key) + 1}", township=town,
                             village=f"{town[:2]}村", risk_status="风险未消除")
            head = b.person(hh, f"{key}户主", b.ids.new(dt.date(1975, 1, 1)), relation="户主",
                            labour_capacity="普通劳动力")
            child = b.person(hh, f"{key}学生", b.ids.new(dt.date(2013, 5, 1)), relation="子女",
                             labour_capacity="无劳动力")
            houses[key] = (hh, head, child)
        edu = b.batch("education", "2026-10", source_file="教育_2026-10.xlsx")
        hh, _head, child = houses["A"]
        rec = b.record(edu, 7, child.name, plain[1], role="student",  # A学生
                       fields={"enrollment_status": "辍学", "school": "龙河小学", "grade": "六年级",
                               "schooling_cost": 800.0})
        b.link(rec, child, hh, status="auto")
        for key, at in (("A", _utc(2026, 10, 20, 3)), ("B", _utc(2026, 10, 31, 17)),
                        ("E", _utc(2026, 9, 30, 3))):
            hh = houses[key][0]
            w = b.warning(f"W2026-10-0000{'ABCDE'.index(key) + 1}", f"hh:{hh.id}", "schooling",
                          household_id=hh.id, township=hh.township, village=hh.village,
                          reason="辍学", status="monitored")
            b.add(WarningHistory(warning_id=w.id, at=at, kind="identification",
                                 from_status="identifying", to_status="monitored", actor="admin"))
        sept = b.batch("registry", "2026-09", source_file="花名册_2026-09.xlsx")
        octo = b.batch("registry", "2026-10", source_file="花名册_2026-10.xlsx")
        for key, before, after in (("C", "风险未消除", "风险已消除"), ("D", None, "风险已消除"),
                                   ("E", "风险未消除", "风险未消除")):
            hh = houses[key][0]
            if before:
                b.add(HouseholdHistory(household_id=hh.id, valid_from=_utc(2026, 9, 5),
                                       valid_to=_utc(2026, 10, 5), risk_status=before,
                                       roster_batch_id=sept.id))
            b.add(HouseholdHistory(household_id=hh.id, valid_from=_utc(2026, 10, 5),
                                   risk_status=after, roster_batch_id=octo.id))
    return plain


def _rows(path, sheet):
    return list(load_workbook(path)[sheet].iter_rows(values_only=True))


def test_export_writes_one_masked_return_per_department(ctx, county, tmp_path, capsys):
    out = tmp_path / "returns"
    base = ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]
    assert main([*base, "export", "department-returns", "--period", "2026-10",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    labels = [c.label for c in catalog.all_contracts()]
    assert f"department returns ({len(labels)})" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{label}_2026-10_监测对象反馈.xlsx" for label in labels)
    assert find_plaintext([out], county) == []

    edu = out / "教育_2026-10_监测对象反馈.xlsx"
    header, *monitored = _rows(edu, "新识别监测对象")
    assert header[:9] == ("户编号", "乡镇", "村", "姓名", "身份证号（脱敏）", "与户主关系", "劳动能力",
                          "认定日期", "风险类型")
    assert header[9:] == ("学校名称", "年级", "学籍状态", "年度教育支出")  # education's own headers
    # Only A: B's 纳入监测 was 1 November in the county (31 October in UTC), E's in September.
    assert [(r[0], r[3], r[7], r[8]) for r in monitored] == [
        ("500230100100000001", "A户主", "2026-10-20", "因学"),
        ("500230100100000001", "A学生", "2026-10-20", "因学")]
    assert monitored[1][9:] == ("龙河小学", "六年级", "辍学", 800)
    assert all(r[4].count("*") == 8 for r in monitored)
    header, *eliminated = _rows(edu, "风险消除")
    assert header[7:9] == ("花名册更新日期", "风险状态变化")
    assert {(r[0], r[7], r[8]) for r in eliminated} == {
        ("500230100100000003", "2026-10-05", "风险未消除 → 风险已消除")}

    health = out / "卫健_2026-10_监测对象反馈.xlsx"
    header, *monitored = _rows(health, "新识别监测对象")
    assert "学籍状态" not in header and "疾病类别" in header  # health's vocabulary instead
    assert len(monitored) == 2 and all(v is None for v in monitored[0][9:])

    assert main([*base, "export", "department-returns", "--period", "2026-11",
                 "--out", str(out)]) == 0
    _header, *november = _rows(out / "教育_2026-11_监测对象反馈.xlsx", "新识别监测对象")
    assert {r[0] for r in november} == {"500230100100000002"}


def test_bad_arguments_are_one_line(ctx, tmp_path, capsys):
    base = ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]
    with pytest.raises(SystemExit):
        main([*base, "export", "department-returns", "--period", "2026-13", "--out", "x"])
    assert "YYYY-MM" in capsys.readouterr().err
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert main([*base, "export", "department-returns", "--period", "2026-10",
                 "--out", str(a_file)]) == 1
    assert "is a file" in capsys.readouterr().err
