"""Files people open: XLSX text that never executes, OWASP-neutralized CSV, safe sheet titles, atomic writes.

Every room that hands a spreadsheet to a person goes through here (imports nothing of ours).

- XLSX: every ``str`` is written as a string cell (inline string), so ``=HYPERLINK(...)`` from a
  roster shows as the text it is and no ``<f>`` element ever reaches the file. The text is kept
  verbatim: a string cell cannot execute, so it needs no quote.
- CSV: a spreadsheet program evaluates any cell that starts with ``= + - @``, a tab or a CR, so
  such text gets a leading ``'`` (OWASP "CSV injection"). Real numbers (``int``, ``float``,
  ``Decimal``, numpy scalars) stay numbers, negative ones included: their text (``-5``,
  ``-0.25``) is a constant, never a formula. Text that merely looks like a number (``"-2"``) is
  neutralized like any other text, because a text column cannot vouch for its content.
- Sheet titles: Excel refuses ``/ \\ [ ] : * ?``, a leading or trailing ``'`` and more than 31
  characters, and compares titles without case; a bad title made openpyxl raise (HTTP 500).
- Atomic writes: a temporary file in the final folder, fsync, ``os.replace``; a crash leaves
  the previous file whole and no temporary file behind.
"""
from __future__ import annotations

import contextlib
import csv
import numbers
import os
import re
import secrets
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence

from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

# Fixed by the OWASP CSV-injection guidance and by Excel's file format, not county settings.
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[/\\\[\]:*?]")
_DEFAULT_TITLE = "Sheet"


# --- XLSX -------------------------------------------------------------------------------------

def xlsx_cell(ws: Worksheet, value: Any) -> Cell:
    """A cell for ``ws`` holding ``value``; text is always a string cell, never a formula."""
    cell = Cell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise make "=..." a formula
    return cell


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append one row to ``ws`` with every text value as a string cell."""
    ws.append([xlsx_cell(ws, v) for v in values])


def set_text(cell: Cell, value: Any) -> None:
    """Put ``value`` in an existing cell; text stays text."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


# --- CSV --------------------------------------------------------------------------------------

def csv_cell(value: Any) -> Any:
    """One CSV cell that a spreadsheet cannot evaluate: risky text gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number):  # a real value: "-5" is a constant, not a formula
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(CSV_TRIGGERS) else text


def csv_row(values: Iterable[Any]) -> list:
    """A CSV row with every cell neutralized."""
    return [csv_cell(v) for v in values]


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralized cell by cell."""

    def __init__(self, fh: IO[str], **fmt: Any) -> None:
        self._writer = csv.writer(fh, **fmt)

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one neutralized row."""
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write neutralized rows."""
        for row in rows:
            self.writerow(row)


def csv_writer(fh: IO[str], **fmt: Any) -> SafeCsvWriter:
    """A CSV writer over ``fh`` that neutralizes formula-like text."""
    return SafeCsvWriter(fh, **fmt)


# --- sheet titles ----------------------------------------------------------------------------

def sheet_title(wanted: str, taken: Iterable[str] = (), fallback: str = _DEFAULT_TITLE) -> str:
    """``wanted`` as a valid Excel sheet title, unique (case-insensitively) among ``taken``."""
    base = _SHEET_FORBIDDEN.sub("", str(wanted or "")).strip().strip("'").strip()
    base = base[:SHEET_TITLE_MAX] or fallback[:SHEET_TITLE_MAX]
    used = {t.casefold() for t in taken}
    title, n = base, 1
    while title.casefold() in used:
        n += 1
        suffix = f" ({n})"
        title = base[:SHEET_TITLE_MAX - len(suffix)].rstrip().rstrip("'") + suffix
    return title


def add_sheet(wb: Workbook, wanted: str) -> Worksheet:
    """A new sheet in ``wb`` titled ``wanted``, sanitized and made unique."""
    return wb.create_sheet(sheet_title(wanted, wb.sheetnames))


def title_sheet(ws: Worksheet, wanted: str) -> None:
    """Rename ``ws`` to ``wanted``, sanitized and unique among its workbook's other sheets."""
    others = [name for name in ws.parent.sheetnames if name != ws.title]
    ws.title = sheet_title(wanted, others)


# --- atomic files ----------------------------------------------------------------------------

def _fsync_dir(folder: Path) -> None:
    # The rename itself must reach the disk; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path beside ``final``; on success it replaces ``final``, on failure it is removed."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
        try:
            # 0o666 through the umask: the final file gets the permissions a plain write would.
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(final.parent)


@contextlib.contextmanager
def atomic_open(final: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """``open(final, mode)`` that only ever shows ``final`` complete (write modes only)."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_open writes a whole file; mode {mode!r} is not a write mode")
    with atomic_path(final) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def atomic_write_text(final: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``final`` atomically; return the path."""
    with atomic_open(final, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(final)


def save_workbook(wb: Workbook, final: Path) -> Path:
    """Save ``wb`` to ``final`` atomically; return the path."""
    with atomic_path(final) as tmp:
        wb.save(tmp)
    return Path(final)


def write_csv_file(final: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """An export: header ``columns`` then ``rows``, neutralized, UTF-8, atomic; return the row count."""
    count = 0
    with atomic_open(final, "w", newline="", encoding="utf-8") as fh:
        writer = csv_writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
