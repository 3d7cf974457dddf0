"""The policy list (政策清单): the default list, `shouwang policies load` from CSV and XLSX, and a
bad rule named at load time with nothing written (both databases)."""
import csv
import json

from openpyxl import Workbook
from sqlalchemy import select

from screening.policies import (DEFAULT_FILE, check_rule, ensure_policies, read_policy_file,
                                risk_labels, stored_policies)
from shouwang.cli import main
from warehouse.db import session_scope
from warehouse.help_tables import Policy

NATIONAL = {"医疗救助", "大病保险倾斜", "资助参保", "家庭医生签约", "雨露计划", "教育资助",
            "公益性岗位", "以工代赈", "就业技能培训", "产业奖补", "脱贫人口小额信贷", "农村危房改造",
            "饮水工程维修", "低保", "特困供养", "临时救助", "残疾人两项补贴"}
HEADERS = ["帮扶类型", "帮扶政策", "帮扶政策具体内容", "适用人群", "适用人群条件", "申报程序（相关资料）",
           "部门、联系人及电话", "帮扶性质", "应对风险", "适用规则", "推荐理由"]
GOOD = [
    ["教育帮扶", "雨露计划", "中职每学期补助1500元", "脱贫家庭子女", "16–22岁在读中职", "村申请",
     "县农业农村委 王科长 13800001234", "开发式", "因学",
     "{all: [{field: age, op: between, value: [16, 22]}, {field: vocational, op: is_true}]}",
     "{name}{age}岁在{school}就读"],
    ["综合保障", "低保", "按月发放低保金", "低收入家庭", "无劳动能力", "乡镇申请",
     "县民政局 023-77001234", "兜底", "缺劳动力、因病", "{field: nobody_able_to_work, op: is_true}", ""],
]


def _base(ctx):
    return ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]


def _write_csv(path, rows, headers=HEADERS):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return path


def _stored(ctx):
    with session_scope(ctx.engine) as s:
        return [(p.name, p.kind, json.loads(p.risk_types), p.department, p.contact, p.source)
                for p in s.scalars(select(Policy).order_by(Policy.position))]


def test_the_default_list_loads_once_and_every_rule_compiles(ctx):
    labels = risk_labels(ctx.settings, ctx.home)
    specs = read_policy_file(DEFAULT_FILE, ctx.settings, ctx.home)
    assert {s.name for s in specs} == NATIONAL
    for spec in specs:
        check_rule(spec.when, labels)  # raises on a bad rule
        assert spec.department and spec.kind in ("开发式", "兜底") and spec.risk_types
    with session_scope(ctx.engine) as s:
        assert {p.name for p in stored_policies(s, ctx.settings, ctx.home)} == NATIONAL
        assert s.scalars(select(Policy)).first() is None  # read, never written, by a reader
        assert ensure_policies(s, ctx.settings, ctx.home) == 17
        assert ensure_policies(s, ctx.settings, ctx.home) == 17  # once
    stored = _stored(ctx)
    assert len(stored) == 17 and {r[5] for r in stored} == {"default"}
    kinds = {name: kind for name, kind, *_ in stored}
    assert kinds["公益性岗位"] == "开发式" and kinds["特困供养"] == "兜底"


def test_load_a_csv_list_replaces_the_list_and_again_changes_nothing(ctx, tmp_path, capsys):
    with session_scope(ctx.engine) as s:
        ensure_policies(s, ctx.settings, ctx.home)
    path = _write_csv(tmp_path / "政策清单.csv", GOOD)
    assert main([*_base(ctx), "policies", "load", str(path)]) == 0
    out = capsys.readouterr().out
    assert "导入 2 项政策（兜底 1 项，开发式 1 项）" in out and "注意" not in out
    first = _stored(ctx)
    assert [r[:4] for r in first] == [("雨露计划", "开发式", ["schooling"], "县农业农村委"),
                                      ("低保", "兜底", ["labour", "illness"], "县民政局")]
    assert "13800001234" not in first[0][4] and first[0][4].endswith("1234")  # mobile masked
    assert first[1][4] == "县民政局 023-77001234"  # an office number stays
    assert main([*_base(ctx), "policies", "load", str(path)]) == 0
    assert _stored(ctx) == first


def test_load_an_xlsx_list_with_a_title_row(ctx, tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.append(["示范县2026年防止返贫帮扶政策清单"])
    ws.append(HEADERS)
    for row in GOOD:
        ws.append(row)
    wb.save(tmp_path / "list.xlsx")
    assert main([*_base(ctx), "policies", "load", str(tmp_path / "list.xlsx")]) == 0
    assert [r[0] for r in _stored(ctx)] == ["雨露计划", "低保"]
    assert "注意" not in capsys.readouterr().out
    only_dev = tmp_path / "dev.csv"
    _write_csv(only_dev, GOOD[:1])
    assert main([*_base(ctx), "policies", "load", str(only_dev)]) == 0
    assert "注意：清单中没有兜底政策" in capsys.readouterr().out
    assert main([*_base(ctx), "policies", "load", str(tmp_path / "list.xlsx")]) == 0  # both again
    assert main([*_base(ctx), "policies", "list"]) == 0
    assert "2 项（来源：list.xlsx）" in capsys.readouterr().out


def test_a_bad_rule_is_named_by_file_row_and_column_and_nothing_is_written(ctx, tmp_path, capsys):
    assert main([*_base(ctx), "policies", "load", str(_write_csv(tmp_path / "ok.csv", GOOD))]) == 0
    bad = [GOOD[0][:9] + ["{field: age, op: around, value: 18}", ""],
           GOOD[1][:9] + ["{all: [{field: wealth, op: gt, value: 1}]}", ""],
           GOOD[1][:1] + ["特困供养"] + GOOD[1][2:7] + ["救济", "因贫", "{field: age, op: ge", ""],
           ["教育帮扶", "教育资助"] + GOOD[0][2:], ["教育帮扶", "教育资助"] + GOOD[0][2:],
           ["就业帮扶", "公益性岗位"] + GOOD[0][2:9] + ["{field: age, op: between, value: [16]}", ""]]
    path = _write_csv(tmp_path / "bad.csv", bad)
    capsys.readouterr()
    assert main([*_base(ctx), "policies", "load", str(path)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv 第 2 行「适用规则」：运算符「around」不可用" in err
    assert "bad.csv 第 3 行「适用规则」" in err and "wealth" in err
    assert "第 4 行「帮扶性质」" in err and "第 4 行「应对风险」" in err and "因贫" in err
    assert "第 4 行「适用规则」" in err
    assert "第 6 行「帮扶政策」" in err and "与第 5 行重复" in err
    assert "第 7 行「适用规则」：「age」的运算符「between」需要 [下限, 上限]，现在是 [16]" in err
    assert "未写入任何数据" in err and "shouwang policies load" in err
    assert "Traceback" not in err
    assert [r[0] for r in _stored(ctx)] == ["雨露计划", "低保"]  # the old list stands


def test_a_file_without_the_lists_columns_says_which_it_needs(ctx, tmp_path, capsys):
    path = _write_csv(tmp_path / "other.csv", [["a", "b"]], headers=["姓名", "身份证号"])
    assert main([*_base(ctx), "policies", "load", str(path)]) == 1
    assert "找不到政策清单的表头" in capsys.readouterr().err
