"""Writing department files as departments send them: CSV in several encodings, .xlsx and old .xls.

Files are byte-for-byte the same for the same seed (no timestamps inside), so a re-generated
file is recognised as unchanged by its checksum.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from shouwang_tools.demo.layout import FeedFile
from shouwang_tools.demo import xlsx

XLS_MAX_ROWS = 65536


def _lines(feed: FeedFile) -> list[list]:
    lines: list[list] = []
    if feed.title:
        lines.append([feed.title])
    lines.append(feed.header)
    lines.extend(feed.body)
    if feed.totals:
        lines.append(feed.totals)
    return lines


def write_csv_rows(path: Path, lines: list, encoding: str) -> None:
    """Rows as CSV in the given encoding (utf-8, utf-8-sig, gbk, gb18030), CRLF like Excel."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError as e:
        raise ValueError(f"{path.name}: a generated value cannot be written in {encoding}: {e.reason}") from e
    path.write_bytes(data)


def write_csv(feed: FeedFile, path: Path, encoding: str) -> None:
    """A department CSV: title, header, records and totals lines."""
    write_csv_rows(path, _lines(feed), encoding)


def write_xlsx(feed: FeedFile, path: Path) -> None:
    """An .xlsx workbook (one sheet); numbers, Excel serials and date cells as typed cells."""
    xlsx.write_xlsx(_lines(feed), path)


def write_xls(feed: FeedFile, path: Path) -> None:
    """An old Excel 97-2003 .xls workbook (xlwt), as some county systems still export."""
    try:
        import xlwt
    except ModuleNotFoundError as e:  # a dev/demo extra: pip install xlwt
        raise RuntimeError("writing .xls needs the xlwt package (pip install -e '.[dev]')") from e
    lines = _lines(feed)
    if len(lines) > XLS_MAX_ROWS:
        raise ValueError(
            f"{path.name}: {len(lines)} rows do not fit an .xls sheet ({XLS_MAX_ROWS}); "
            "give this department format xlsx in demo.yaml"
        )
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, line in enumerate(lines):
        for c, value in enumerate(line):
            if value != "" and value is not None:
                ws.write(r, c, value)
    wb.save(str(path))


def write_feed(feed: FeedFile, folder: Path) -> Path:
    """Write one department file into the landing folder; returns its path."""
    path = folder / feed.file_name
    fmt = feed.layout["format"]
    if fmt == "csv":
        write_csv(feed, path, feed.layout.get("encoding", "utf-8"))
    elif fmt == "xlsx":
        write_xlsx(feed, path)
    elif fmt == "xls":
        write_xls(feed, path)
    else:
        raise ValueError(f"demo.yaml: format {fmt!r} for {feed.department} is not csv|xlsx|xls")
    return path
