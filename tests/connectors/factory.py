"""Synthetic people and department files for the connector tests (no real person anywhere).

Files are written by the tests themselves: CSV in every encoding, .xlsx (optionally with IDs
stored as numbers, as Excel does), .xls via xlwt, with title and totals rows when asked.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

from warehouse.identity import make_id

REGION = "500230"
PLACES = {"龙河镇": ["三合村", "新华社区"], "三合街道": ["红星村", "石桥村"]}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "华明丽伟芳军静红平杰国英秀兰春海建志"


@dataclass(frozen=True)
class Person:
    """A synthetic resident."""

    name: str
    rid: str
    township: str
    village: str
    group: str
    birth: dt.date


def people(n: int, seed: int = 1, born_from: int = 1950, born_to: int = 2015) -> list[Person]:
    """``n`` distinct synthetic persons with valid IDs in the test county."""
    rng = random.Random(seed)
    out = []
    places = [(t, v) for t, vs in PLACES.items() for v in vs]
    for i in range(n):
        birth = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        t, v = places[i % len(places)]
        out.append(Person(name, make_id(REGION, birth, i + 1, i % 2 == 0), t, v,
                          f"{i % 3 + 1}组", birth))
    return out


def _address(p: Person, group: bool = False) -> dict:
    out = {"乡镇": p.township, "村": p.village}
    if group:
        out["组"] = p.group
    return out


def row_for(department: str, p: Person, i: int = 0) -> dict:
    """One valid row of ``department`` about ``p`` (header → cell)."""
    who = {"姓名": p.name, "身份证号": p.rid}
    head = {"户主姓名": p.name, "户主身份证号": p.rid}
    rows = {
        "education": {"学生姓名": p.name, "学生身份证号": p.rid, "监护人姓名": "王建国",
                      "监护人身份证号": make_id(REGION, dt.date(1980, 1, 1), 900 + i, True),
                      "学校名称": "龙河小学", "年级": "三年级", "学籍状态": "在读",
                      "年度教育支出": f"{1000 + i}", **_address(p)},
        "health": {**who, "疾病名称": "高血压", "疾病类别": "一般慢性病",
                   "确诊日期": "2026-09-01", "医疗机构": "县人民医院", **_address(p)},
        "medical_insurance": {**who, "参保状态": "正常参保", "医疗总费用": f"{5000 + i}",
                              "基本医保报销": "3000", "大病保险报销": "0", "医疗救助": "0",
                              "个人自付": f"{2000 + i}", **_address(p)},
        "housing": {**head, "房屋地址": f"{p.village}{p.group}{i + 1}号", "鉴定等级": "B",
                    "鉴定日期": "2026-08-15", "是否居住": "是", **_address(p, True)},
        "water": {**head, "供水方式": "集中供水", "水量达标": "是", "水质达标": "是",
                  "取水方便": "是", "供水保证率达标": "是", "检查日期": "2026-09-20",
                  **_address(p, True)},
        "civil_affairs": {**who, "救助类型": "低保", "变动类型": "续保", "变动日期": "2026-09-05",
                          "救助金额": "600", "家庭人口": "3", "家庭年人均收入": "12500",
                          **_address(p)},
        "hr": {**who, "就业状态": "稳定就业", "状态变动日期": "2026-09-10", "务工地": "重庆",
               "月收入": "4500", **_address(p)},
        "emergency": {**head, "灾害类型": "洪涝", "灾害日期": "2026-09-12",
                      "受灾情况": "农作物受灾", "直接经济损失": "800", **_address(p, True)},
    }
    return rows[department]


def feed_rows(department: str, persons: list[Person]) -> list[dict]:
    """A valid feed of ``department`` naming each person once."""
    return [row_for(department, p, i) for i, p in enumerate(persons)]


def _grid(rows: list[dict], title: str | None, totals: bool) -> list[list]:
    headers = list(dict.fromkeys(h for r in rows for h in r))
    grid: list[list] = []
    if title:
        grid.append([title])
    grid.append(headers)
    grid += [[r.get(h, "") for h in headers] for r in rows]
    if totals:
        grid.append(["合计", f"{len(rows)}人"] + [""] * (len(headers) - 2))
    return grid


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", title: str | None = None,
              totals: bool = False) -> Path:
    """A CSV file in ``encoding`` (utf-8, utf-8-sig, gbk, gb18030)."""
    buf = io.StringIO()
    csv.writer(buf).writerows(_grid(rows, title, totals))
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict], title: str | None = None, totals: bool = False,
               numeric_ids: tuple[str, ...] = ()) -> Path:
    """An .xlsx file; columns in ``numeric_ids`` are stored as numbers, as Excel does."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    grid = _grid(rows, title, totals)
    header_at = 1 if title else 0
    numeric_cols = {j for j, h in enumerate(grid[header_at]) if h in numeric_ids}
    for i, row in enumerate(grid):
        out = []
        for j, cell in enumerate(row):
            if i > header_at and j in numeric_cols and str(cell).isdigit():
                cell = float(f"{float(cell):.15g}")  # Excel keeps 15 significant digits
            out.append(cell)
        ws.append(out)
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[dict], title: str | None = None,
              totals: bool = False) -> Path:
    """An old .xls (BIFF) file written with xlwt."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for i, row in enumerate(_grid(rows, title, totals)):
        for j, cell in enumerate(row):
            ws.write(i, j, cell)
    wb.save(str(path))
    return path


def roster_rows(persons: list[Person], per_household: int = 3, start_no: int = 5002300001) -> list[dict]:
    """Roster (花名册) rows: consecutive persons grouped into households, the first the head."""
    relations = ("户主", "配偶", "之子", "之女", "之父", "之母")
    out = []
    for i, p in enumerate(persons):
        hh, member = divmod(i, per_household)
        head = persons[hh * per_household]
        out.append({
            "户编号": str(start_no + hh), "县": "示范县", "乡镇": head.township, "村": head.village,
            "组": head.group, "户类型": "脱贫不稳定户" if hh % 4 == 0 else "脱贫户",
            "风险状态": "风险未消除" if hh % 4 == 0 else "", "人均纯收入": str(9000 + hh),
            "家庭人口": str(per_household), "姓名": p.name, "身份证号": p.rid,
            "与户主关系": relations[member % len(relations)], "性别": "男" if i % 2 == 0 else "女",
            "联系电话": f"1380000{i:04d}" if member == 0 else "",
            "劳动能力": "普通劳动力",
        })
    return out

