"""The one reader every feed goes through: CSV in any common Chinese encoding, XLSX and XLS.

It returns every row as text with the row number a person sees in Excel, finds the header
row below title lines by matching a contract's headers, drops totals rows (合计) and counts
them, and remembers which cells Excel stored as large numbers (IDs that lost digits).
NUL characters (which PostgreSQL cannot store) are stripped from every cell and remembered;
a workbook's other non-empty sheets are kept aside so the plan can pick the one whose header
fits the contract and say which it did not read.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from connectors.contract import Contract, header_key
from connectors.errors import FeedError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
# Text encodings tried in order: strict decoding, so the first that fits is the file's.
ENCODINGS = ("utf-8", "gbk", "gb18030")
# A cell holding a number this large can only be an ID (or a phone) typed into Excel.
BIG_NUMBER = 1e9


@dataclass
class Sheet:
    """All rows of one feed as text, before the header is known."""

    source: str  # the file name (or sql:/http: source name)
    kind: str  # csv | xlsx | xls | sql | http
    encoding: str | None
    rows: list[list[str]]
    row_numbers: list[int]  # the Excel row number of each entry of ``rows``
    numeric: set[tuple[int, int]] = field(default_factory=set)  # (row index, col) big numbers
    nul_cells: set[tuple[int, int]] = field(default_factory=set)  # (row index, col) NUL stripped
    sheet_name: str | None = None  # the worksheet's name, for workbooks
    others: list["Sheet"] = field(default_factory=list)  # the workbook's other non-empty sheets


@dataclass
class Located:
    """A sheet with its header row found against one contract."""

    sheet: Sheet
    contract: Contract
    header_index: int  # index into sheet.rows
    headers: list[str]
    mapping: dict[str, int]  # field name → column index
    data_rows: list[int]  # indexes into sheet.rows of the data rows, in order
    totals_dropped: int

    @property
    def header_row(self) -> int:
        """The header's row number as a person sees it in Excel."""
        return self.sheet.row_numbers[self.header_index]

    @property
    def extra_columns(self) -> list[str]:
        """Columns the contract does not name (kept in raw, otherwise ignored)."""
        used = set(self.mapping.values())
        return [h for i, h in enumerate(self.headers) if i not in used and h.strip()]

    @property
    def missing(self) -> list[str]:
        """Required fields whose column is not in the header."""
        return [f.name for f in self.contract.required_fields if f.name not in self.mapping]


def read_sheet(path: Path) -> Sheet:
    """Read a CSV or spreadsheet file into a Sheet; FeedError if it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise FeedError(f"{path.name}: file not found at {path}", "not_found")
    if path.stat().st_size == 0:
        raise FeedError(f"{path.name}: the file is empty (0 bytes); ask the department to "
                        "export it again", "empty_file")
    if suffix in EXCEL_SUFFIXES:
        sheet = _read_excel(path)
    elif suffix in CSV_SUFFIXES:
        sheet = read_csv_bytes(path.read_bytes(), path.name)
    else:
        raise FeedError(f"{path.name}: unsupported file type {suffix!r}; send .csv, .xlsx or "
                        ".xls", "unsupported_type")
    if not any(any(c for c in r) for r in sheet.rows):
        raise FeedError(f"{path.name}: the file has no rows; ask the department to export it "
                        "again", "empty_file")
    return sheet


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM first, then strict UTF-8, GBK, GB18030, then a detector."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                break
    for enc in ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, enc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _looks_like_text(str(best)):
        return str(best), best.encoding
    raise FeedError(
        f"{name}: the text encoding cannot be recognized (not UTF-8, GBK or GB18030); open it "
        "in Excel and save as 'CSV UTF-8' or as .xlsx", "unreadable_encoding")


def _looks_like_text(text: str) -> bool:
    """False for binary content that happened to decode (control characters, NULs)."""
    sample = text[:4096]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t")
    return bad <= len(sample) // 100


def read_csv_bytes(data: bytes, name: str) -> Sheet:
    """Parse CSV bytes in any supported encoding; the delimiter is sniffed."""
    if not data.strip():
        raise FeedError(f"{name}: the file is empty; ask the department to export it again",
                        "empty_file")
    text, encoding = decode(data, name)
    delimiter = _sniff_delimiter(text)
    # No cell can be longer than the text: a cell over csv's 131,072-character default is a
    # bad cell (records cut it to ingest.max_cell_chars), not a reason to stop the feed.
    if len(text) >= csv.field_size_limit():
        csv.field_size_limit(len(text) + 1)
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    nul = strip_nul(rows) if "\x00" in text else set()
    return Sheet(name, "csv", encoding, rows, list(range(1, len(rows) + 1)), nul_cells=nul)


def strip_nul(rows: list[list[str]]) -> set[tuple[int, int]]:
    """Remove NUL characters from the cells in place; returns the (row, column) of each one."""
    found = set()
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if "\x00" in cell:
                row[j] = cell.replace("\x00", "").strip()
                found.add((i, j))
    return found


def _sniff_delimiter(text: str) -> str:
    head = text[:8192].splitlines()[:30]
    counts = {d: sum(line.count(d) for line in head) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_excel(path: Path) -> Sheet:
    """The non-empty worksheets of an .xlsx/.xls via calamine (xlrd for old .xls it rejects).

    The first is returned with the others in ``others``: `connectors.plan.choose_sheet`
    picks the one whose header fits the contract.
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        tables = [(n, book.get_sheet_by_name(n).to_python(skip_empty_area=False))
                  for n in book.sheet_names]
    except Exception as e:  # calamine raises its own error types for corrupt files
        if path.suffix.lower() != ".xls":
            raise FeedError(f"{path.name}: not a readable Excel workbook ({type(e).__name__}); "
                            "open it in Excel and save it again as .xlsx", "unreadable_file") from e
        tables = _read_xls_with_xlrd(path)
    kind = "xls" if path.suffix.lower() == ".xls" else "xlsx"
    sheets = [_excel_sheet(path.name, kind, name, data) for name, data in tables
              if any(any(_filled(c) for c in r) for r in data)]
    if not sheets:
        return Sheet(path.name, kind, None, [], [])
    first = sheets[0]
    first.others = sheets[1:]
    return first


def _excel_sheet(source: str, kind: str, name: str, data: list[list[object]]) -> Sheet:
    """One worksheet's cells as text, with big numbers and stripped NULs remembered."""
    rows: list[list[str]] = []
    numeric: set[tuple[int, int]] = set()
    nul: set[tuple[int, int]] = set()
    for i, row in enumerate(data):
        out = []
        for j, cell in enumerate(row):
            if type(cell) is str:  # most cells: skip cell_text's type dispatch
                if "\x00" in cell:
                    nul.add((i, j))
                    cell = cell.replace("\x00", "")
                out.append(cell.strip())
                continue
            if isinstance(cell, (int, float)) and not isinstance(cell, bool) \
                    and abs(cell) >= BIG_NUMBER:
                numeric.add((i, j))
            out.append(cell_text(cell))
        rows.append(out)
    return Sheet(source, kind, None, rows, list(range(1, len(rows) + 1)), numeric, nul,
                 sheet_name=name)


def _read_xls_with_xlrd(path: Path) -> list[tuple[str, list[list[object]]]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as e:  # xlrd raises XLRDError and struct errors on corrupt files
        raise FeedError(f"{path.name}: not a readable Excel workbook; open it in Excel and save "
                        "it again as .xlsx", "unreadable_file") from e
    tables = []
    for sh in book.sheets():
        out = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                else:
                    row.append(cell.value)
            out.append(row)
        tables.append((sh.name, out))
    return tables


def _filled(cell: object) -> bool:
    return cell is not None and cell != ""


def cell_text(cell: object) -> str:
    """A spreadsheet cell as the text a person sees (integral numbers without '.0')."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float):
        if math.isnan(cell) or math.isinf(cell):
            return ""
        if cell.is_integer():
            return "%d" % cell
        return repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    if isinstance(cell, dt.timedelta):
        return str(cell)
    return str(cell).strip()


def is_blank(row: list[str]) -> bool:
    """True for a row with no content."""
    return not any(c.strip() for c in row)


def is_totals(row: list[str], labels: tuple[str, ...]) -> bool:
    """True for a 合计/总计 row (the label in any cell, spaces and colons ignored)."""
    joined = "".join(row)
    if not any(label[-1] in joined for label in labels):
        return False  # the cheap test first: most rows hold no 计 at all
    keys = set(labels)
    return any(header_key(c) in keys for c in row if c)


def locate(sheet: Sheet, contract: Contract, scan_rows: int,
           totals_labels: tuple[str, ...]) -> Located:
    """Find the header row of ``contract`` among the first ``scan_rows`` rows and the data rows."""
    best, best_hits = 0, -1
    for i, row in enumerate(sheet.rows[:scan_rows]):
        hits = len(contract.match_headers(row))
        if hits > best_hits:
            best, best_hits = i, hits
    headers = sheet.rows[best] if sheet.rows else []
    mapping = contract.match_headers(headers)
    data_rows, totals = [], 0
    for i in range(best + 1, len(sheet.rows)):
        row = sheet.rows[i]
        if is_blank(row):
            continue
        if is_totals(row, totals_labels):
            totals += 1
            continue
        data_rows.append(i)
    return Located(sheet, contract, best, headers, mapping, data_rows, totals)


def best_contract(sheet: Sheet, contracts: list[Contract], scan_rows: int) -> tuple[Contract, float]:
    """The contract whose required headers a row of ``sheet`` matches best, with that share."""
    scored = []
    heads = [r for s in (sheet, *sheet.others) for r in s.rows[:scan_rows]]
    for c in contracts:
        top = max((c.score(r) for r in heads), default=0.0)
        scored.append((top, len(c.required_fields), c))
    # Ties go to the contract with more required columns: the more specific one.
    top, _, contract = max(scored, key=lambda t: (t[0], t[1]))
    return contract, top


def sheet_from_records(records: list[dict], source: str, kind: str) -> Sheet:
    """A Sheet from rows pulled from a database or an API (keys are the headers)."""
    headers: list[str] = []
    for rec in records:
        for k in rec:
            if k not in headers:
                headers.append(k)
    rows = [[cell_text(h) for h in headers]]
    rows += [[cell_text(rec.get(h)) for h in headers] for rec in records]
    return Sheet(source, kind, None, rows, list(range(1, len(rows) + 1)), nul_cells=strip_nul(rows))
