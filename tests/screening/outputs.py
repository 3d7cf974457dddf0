"""Read back what publishing wrote: every cell and every text, to look for leaked IDs."""
from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook


def output_text(folder: Path) -> str:
    """All text of the XLSX, HTML and CSV files under ``folder``, joined."""
    parts = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix == ".xlsx":
            wb = load_workbook(path)
            for ws in wb.worksheets:
                parts.extend(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
                parts.append(ws.oddHeader.center.text or "")
        elif path.suffix in (".html", ".csv"):
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def assert_no_plain_ids(folder: Path, plain_ids: list[str]) -> None:
    """No synthetic resident ID appears whole (nor its 8-digit birth-date core) in any output."""
    text = output_text(folder)
    assert plain_ids, "the test wrote no IDs to look for"
    for value in plain_ids:
        assert value not in text
        assert value[6:14] not in text.replace("-", "")  # the masked middle really is masked
