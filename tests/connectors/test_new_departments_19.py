"""The three departments of issue 19 (残联, 公安, 农业农村) are contract files only: `feeds check`
reads them, validation quarantines their bad rows with a reason, ingest loads and links the rest.
Files are messy the way FEEDS.md says: GBK CSV with a title line, an .xls, an .xlsx with a
totals row, amounts as 1.2万 and 3000元, dates in every spelling, a phone typed into free text.
"""
import csv

import pytest
from sqlalchemy import select

from shouwang.cli import main
from tests.connectors import factory as f
from tests.support.pii import find_plaintext
from warehouse.db import session_scope
from warehouse.models import FeedRecord

PERSONS = f.people(9, seed=19, born_from=1970, born_to=2000)


def _run(ctx, *argv):
    return main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), *argv])


def _who(p, head=False):
    names = ("户主姓名", "户主身份证号") if head else ("姓名", "身份证号")
    return {names[0]: p.name, names[1]: p.rid, "乡镇": p.township, "村": p.village}


def disability_rows():
    grades = ["一级", "二级", "三级", "四级", "一级", "二级", "特级", "三级", "二级"]
    changes = ["新办", "换证", "新办", "注销", "注销", "新办", "新办", "换证", "新办"]
    dates = ["2026-10-03", "2026/10/5", "20261008", "2026年10月9日", "2026-10-10", "2026-10-11",
             "2026-10-12", "2026-10-13", "2026-13-45"]
    return [{**_who(p), "残疾类别": "肢体", "残疾等级": g, "变动类型": c, "变动日期": d,
             "两项补贴": "是" if k % 2 else "否"}
            for k, (p, g, c, d) in enumerate(zip(PERSONS, grades, changes, dates))]


def police_rows():
    events = ["死亡", "意外伤残", "迁出", "迁入", "交通事故", "死亡", "失联", "意外伤残", "迁出"]
    rows = [{**_who(p), "事件类型": e, "事件日期": "2026-10-0" + str(k + 1), "事件说明": "务工途中摔伤"}
            for k, (p, e) in enumerate(zip(PERSONS, events))]
    rows[1]["事件说明"] = f"家属{PERSONS[2].name}电话13800138000报案"  # a phone typed into free text
    return rows


def agriculture_rows():
    losses = ["3.2万", "15000元", "12,500", "800", "20000", "约三千", "45000", "9000", "60000"]
    paid = ["5000", "", "2000", "", "", "", "99999", "", "1万"]
    kinds = ["绝收", "经营失败", "绝收", "减产", "价格下跌", "绝收", "经营失败", "绝收", "疫病死亡"]
    return [{**_who(p, head=True), "组": p.group, "产业类型": "种植", "项目名称": "脐橙种植",
             "事件类型": k, "损失金额": loss, "理赔金额": pay, "事件日期": "2026-10-02"}
            for p, k, loss, pay in zip(PERSONS, kinds, losses, paid)]


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing"
    folder.mkdir()
    f.write_csv(folder / "残联_2026-10.csv", disability_rows(), "gbk", title="示范县残联残疾人证变动名单")
    f.write_xlsx(folder / "公安_2026-10.xlsx", police_rows(), totals=True)
    f.write_xls(folder / "农业农村局_2026-10.xls", agriculture_rows(), title="产业项目损失台账")
    return folder


# file → (department as `feeds check` names it, read = load + quarantine, quarantined Excel rows and
# reasons): a title line puts the header on row 2 and the first record on row 3.
EXPECTED = {
    "残联_2026-10.csv": ("disability (残联)", "9 read = 7 to load + 2 to quarantine",
                        [("9", "bad_enum"), ("11", "bad_date")]),
    "公安_2026-10.xlsx": ("police (公安)", "9 read = 8 to load + 1 to quarantine", [("8", "bad_enum")]),
    "农业农村局_2026-10.xls": ("agriculture (农业农村)", "9 read = 7 to load + 2 to quarantine",
                              [("8", "bad_amount"), ("9", "amount_inconsistent")]),
}


def test_feeds_check_ingest_and_link_the_three_new_departments(ctx, landing, tmp_path, capsys):
    roster = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "gb18030")
    assert _run(ctx, "registry", "load", str(roster)) == 0
    for name, (department, counts, _) in EXPECTED.items():
        capsys.readouterr()
        assert _run(ctx, "feeds", "check", str(landing / name)) == 0
        out = capsys.readouterr().out
        assert department in out and counts in out, out

    assert _run(ctx, "ingest", "--period", "2026-10", "--landing", str(landing)) == 0
    quarantine = tmp_path / "q.csv"
    assert _run(ctx, "export", "quarantine", "--period", "2026-10", "--out", str(quarantine)) == 0
    with quarantine.open(encoding="utf-8") as fh:
        got = sorted((g["source_file"], g["source_row"], g["reason"]) for g in csv.DictReader(fh))
    assert got == sorted((name, row, reason) for name, (_, _, rows) in EXPECTED.items()
                         for row, reason in rows)

    assert _run(ctx, "link", "--period", "2026-10") == 0
    with session_scope(ctx.engine) as s:
        loaded = s.execute(select(FeedRecord.department, FeedRecord.fields)).all()
    by = {}
    for department, fields in loaded:
        by.setdefault(department, []).append(fields)
    assert {d: len(v) for d, v in by.items()} == {"disability": 7, "police": 8, "agriculture": 7}
    assert sorted(r["loss"] for r in by["agriculture"]) == [800.0, 9000.0, 12500.0, 15000.0, 20000.0,
                                                           32000.0, 60000.0]
    notes = [r["event_note"] for r in by["police"]]
    assert not [n for n in notes if "13800138000" in n] and any("138****8000" in n for n in notes)
    text = capsys.readouterr().out + quarantine.read_text(encoding="utf-8")
    assert not [p.rid for p in PERSONS if p.rid in text]
    assert find_plaintext([ctx.home], [p.rid for p in PERSONS] + ["13800138000"]) == []
