"""Per-township XLSX verification lists (核查清单): one sheet per warning level, ready to print."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook

from screening import backlog as backlog_sheet
from screening.publish.listing import HEADERS, WIDTHS, ListedWarning, level_label
from screening.publish.xlsx_format import write_table
from screening.rules import RuleSet
from shouwang.core.outputs import add_sheet, save_workbook

UNPLACED = "未注明乡镇"  # records whose address named no township: the county sorts them out
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def list_file_name(township: str, period: str) -> str:
    """File name of a township's list, safe on every file system."""
    safe = _UNSAFE_IN_NAMES.sub("_", township)
    return f"{safe}_{period}_预警核查清单.xlsx"


ALERT_HEADERS = ["村", "风险类型", "户数", "预警原因"]


def write_township_lists(listed: list[ListedWarning], rules: RuleSet, period: str,
                         folder: Path, alerts: list[dict] = (),
                         backlog: list[backlog_sheet.BacklogItem] = ()) -> list[Path]:
    """One workbook per township under ``folder``, with its regional alerts (the digest's
    ``alerts`` figures) and its unfinished warnings of earlier periods (sheet 往期未办结) on
    last sheets when it has any; return their paths."""
    by_township: dict[str, list[ListedWarning]] = defaultdict(list)
    for item in listed:
        by_township[item.warning.township or UNPLACED].append(item)
    old: dict[str, list[backlog_sheet.BacklogItem]] = defaultdict(list)
    for item in backlog:
        old[item.township or UNPLACED].append(item)
        by_township.setdefault(item.township or UNPLACED, [])  # a list even with nothing new
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for township, items in sorted(by_township.items()):
        wb = Workbook()
        wb.remove(wb.active)
        for level, info in rules.levels.items():
            ws = add_sheet(wb, info["name"])  # level names come from the rules file
            rows = [i.cells(rules) for i in items if i.warning.level == level]
            write_table(ws, HEADERS, rows, WIDTHS,
                        title=f"{township} {period} {info['name']}核查清单（共 {len(rows)} 条）")
        mine = [[a["village"], a["risk_type"], a["households"], a["reason"]] for a in alerts
                if a["township"] == township]
        if mine:  # a shock is the township's to act on as a whole, beside its single lines
            write_table(add_sheet(wb, "规模性预警"), ALERT_HEADERS, mine, [14, 16, 8, 60],
                        title=f"{township} {period} 规模性返贫风险预警（共 {len(mine)} 处）")
        if old[township]:  # the backlog travels with every new list until it is done
            rows = [i.cells(rules.risk_types, lambda lv: level_label(rules, lv))
                    for i in old[township]]
            write_table(add_sheet(wb, "往期未办结"), backlog_sheet.HEADERS, rows,
                        backlog_sheet.WIDTHS,
                        title=f"{township} {period} 往期未办结（共 {len(rows)} 条，按逾期工作日排序）")
        path = folder / list_file_name(township, period)
        save_workbook(wb, path)  # a crash keeps the previous list whole
        paths.append(path)
    # A township whose warnings were all withdrawn (or closed) since the last publish keeps no
    # list naming them.
    for stale in set(folder.glob("*" + list_file_name("", period))) - set(paths):
        stale.unlink()
    return paths
