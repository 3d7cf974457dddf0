"""The county digest (县级汇总): the same figures as an HTML page and as an XLSX workbook."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook

from screening.publish.channel_figures import write_channel_sheet
from screening.publish.help_figures import write_help_sheet
from screening.publish.xlsx_format import write_table
from shouwang.core.outputs import save_workbook

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def render_html(figures: dict) -> str:
    """The digest page: tables and CSS bars only, no scripts and nothing fetched from a network."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined)
    return env.get_template("digest.html.j2").render(f=figures)


def write_xlsx(figures: dict, path: Path) -> Path:
    """The digest's figures as a workbook, one sheet per section of the page."""
    f = figures
    title = f"{f['county']} 预警汇总 {f['period']}"
    wb = Workbook()
    wb.remove(wb.active)
    t, tl = f["totals"], f["timeliness"]
    overview = [["预警总数", t["warnings"]], ["本期新增", t["new"]], ["持续跟踪", t["ongoing"]],
                ["应纳未纳线索", t["leads"]], ["涉及户（含线索）", t["households"]],
                ["更正撤回", t["withdrawn"]]]
    overview += [[lv["label"], lv["count"]] for lv in t["by_level"]]
    if f["calendar_gaps"]:  # never silent: a deadline counted without the official holidays
        overview.append(["注意", f"{'、'.join(map(str, f['calendar_gaps']))} 年节假日安排未录入，"
                                 "期限暂按周一至周五计算"])
    overview += [[f"{tl['hours']:g} 小时内下发", tl["within"]], ["计入下发时效的预警", tl["warnings"]],
                 ["一日内下发率", tl["share"] if tl["share"] is not None else ""]]
    write_table(wb.create_sheet("概览"), ["指标", "数值"], overview, [22, 12], title)
    m = f["matrix"]
    write_table(wb.create_sheet("乡镇×风险类型"),
                ["乡镇", *[rt["label"] for rt in m["risk_types"]], "合计"],
                [[r["township"], *r["counts"], r["total"]] for r in m["rows"]]
                + [["合计", *m["totals"], t["warnings"]]], None, title)
    write_table(wb.create_sheet("环比"), ["风险类型", f"上期 {f['previous_period']}", f"本期 {f['period']}", "变化"],
                [[x["label"], x["previous"], x["current"], x["change"]] for x in f["trend"]],
                [18, 14, 14, 10], title)
    write_table(wb.create_sheet("逾期"), ["预警编号", "乡镇", "村", "户编号", "风险类型", "等级", "截止日期", "逾期工作日",
                                      "上报县级日期"],
                [list(o.values()) for o in f["overdue"]], [17, 12, 12, 20, 14, 12, 12, 10, 12], title)
    write_table(wb.create_sheet("乡镇环节逾期"), ["乡镇", "逾期环节", "涉及预警", "最长逾期工作日", "已上报县级"],
                [[t["township"], t["steps"], t["warnings"], t["max_late"], t["to_county"]]
                 for t in f["overdue_townships"]], [14, 10, 10, 14, 12], title)
    write_table(wb.create_sheet("环节逾期明细"), ["预警编号", "乡镇", "村", "户编号", "风险类型", "环节", "截止日期",
                                            "逾期工作日", "提醒乡镇", "上报县级"],
                [list(o.values()) for o in f["overdue_steps"]],
                [17, 12, 12, 20, 14, 14, 12, 10, 12, 12], title)
    write_table(wb.create_sheet("规模性预警"), ["乡镇", "村", "风险类型", "户数", "预警原因"],
                [list(a.values()) for a in f["alerts"]], [14, 14, 16, 8, 60], title)
    write_table(wb.create_sheet("部门报送"),
                ["部门", "状态", "到达时间", "文件数", "读取行", "入库行", "隔离行", "失败", "说明"],
                [[d["label"], d["status"], d["arrived_at"], d["files"], d["rows_read"], d["rows_loaded"],
                  d["rows_quarantined"], d["failed"], d["notes"]] for d in f["feeds"]],
                [10, 10, 18, 8, 8, 8, 8, 6, 40], title)
    write_channel_sheet(wb, f["channels"], title)  # self-reports and leads (issue 17)
    write_help_sheet(wb, f["help"], title)  # the help loop's coverage (issue 18)
    if f["held"]:  # corrected feeds held for `shouwang feeds accept`
        write_table(wb.create_sheet("待确认更正"), ["部门", "文件", "批次", "行数", "在用文件", "在用行数", "确认后使用"],
                    [list(h.values()) for h in f["held"]], [10, 24, 8, 8, 24, 8, 30], title)
    return save_workbook(wb, path)
