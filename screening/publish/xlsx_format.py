"""One look for every sheet we hand out: bold bordered header, frozen, A4 landscape, fit to width."""
from __future__ import annotations

from typing import Iterable, Sequence

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from shouwang.core.outputs import append_row

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_table(ws: Worksheet, headers: Sequence[str], rows: Iterable[Sequence],
                widths: Sequence[int] | None = None, title: str | None = None) -> None:
    """Header row 1 and data below, bordered, wrapped, ready to print on A4 landscape."""
    wb = ws.parent
    # Register each style once and set its id on the cells: assigning the style objects hashes
    # them per cell, most of the time of a county-sized list.
    border_id, wrap_id = wb._borders.add(BORDER), wb._alignments.add(WRAP)
    header = (wb._fonts.add(HEADER_FONT), wb._fills.add(HEADER_FILL), border_id,
              wb._alignments.add(HEADER_ALIGNMENT))
    append_row(ws, headers)
    for cell in ws[1]:
        style = cell._style if cell._style is not None else StyleArray()
        style.fontId, style.fillId, style.borderId, style.alignmentId = header
        cell._style = style
    # Row number and sheet width kept here: ws.max_row / ws.max_column scan every cell, which
    # made a list quadratic in its rows.
    width = len(headers)
    for row_idx, row in enumerate(rows, start=2):
        values = list(row)
        append_row(ws, values)  # text stays text: a roster's "=..." never runs
        width = max(width, len(values))
        for col_idx in range(1, width + 1):
            cell = ws.cell(row=row_idx, column=col_idx)
            style = cell._style if cell._style is not None else StyleArray()  # keeps a date format
            style.borderId, style.alignmentId = border_id, wrap_id
            cell._style = style
    for i, width in enumerate(widths or [14] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    print_on_a4(ws, title)


def print_on_a4(ws: Worksheet, title: str | None = None) -> None:
    """A4 landscape, every column on one page width, the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the list needs
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title:
        ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
