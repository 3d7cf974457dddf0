"""How amounts and dates are written in department files, clean and in every messy form."""
from __future__ import annotations

import datetime as dt

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_FORMATS = ("iso", "slash", "compact", "chinese", "serial", "cell")


def amount_cell(value: float | None, spreadsheet: bool) -> object:
    """A clean amount: a number in a spreadsheet, plain text like 1234.5 in a CSV."""
    if value is None or value != value:
        return ""
    if spreadsheet:
        return float(value)
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def amount_comma(value: float) -> str:
    """12,345.60: thousands separators, as Excel shows them."""
    return f"{value:,.2f}"


def amount_wan(value: float) -> str:
    """1.2万: the amount in units of ten thousand (rounded, as people write it)."""
    return f"{value / 10000:.2f}".rstrip("0").rstrip(".") + "万"


def amount_yuan(value: float) -> str:
    """3000元: the amount with its unit."""
    return f"{round(value)}元"


def date_cell(day: dt.date, style: str, spreadsheet: bool) -> object:
    """A date written in one of the forms FEEDS.md lists (an Excel serial is a number)."""
    if style == "iso":
        return day.isoformat()
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "compact":
        return f"{day:%Y%m%d}"
    if style == "chinese":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "serial":
        serial = (day - EXCEL_EPOCH).days
        return serial if spreadsheet else str(serial)
    if style == "cell":
        return day if spreadsheet else day.isoformat()
    raise ValueError(f"demo.yaml: unknown date_format {style!r}; use one of {DATE_FORMATS}")
