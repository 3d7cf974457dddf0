"""The township's verification list as an XLSX workbook (no resident IDs, leads masked)."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from portal.labels import Labels
from portal.queue import QueueItem
from shouwang.core.outputs import append_row, title_sheet

HEADERS = ("预警编号", "乡镇", "村", "户编号", "对象", "风险类型", "预警等级", "预警原因",
           "核实期限", "是否逾期", "预警状态", "核实结果", "组", "网格", "网格员", "网格员电话")


def queue_workbook(items: list[QueueItem], labels: Labels, title: str) -> bytes:
    """An XLSX with one row per queue item, overdue first as in the queue."""
    wb = Workbook()
    ws = wb.active
    title_sheet(ws, title)  # a township may be named with / [ ] : * ? that Excel refuses
    append_row(ws, HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for it in items:
        append_row(ws, [it.code, it.township, it.village, it.household_no, it.subject,
                        labels.risk_types.get(it.risk_type, it.risk_type),
                        labels.levels.get(it.level, it.level), it.reason,
                        it.due_date, "是" if it.overdue else "否",
                        labels.warning_status.get(it.status, it.status), it.outcome or "",
                        it.group or "", it.grid or "", it.grid_worker or "",
                        it.grid_worker_phone or ""])  # the worker's phone masked, as on the queue
    for col, width in zip("ABCDEFGHIJKL", (18, 10, 10, 22, 16, 14, 10, 40, 12, 8, 8, 10)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
