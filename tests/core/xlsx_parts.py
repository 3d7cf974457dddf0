"""Read a saved XLSX as the zip of XML it is: formulas are ``<f>`` elements in the sheet parts."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

# Hostile cells a village, a name or a reason may hold (OWASP CSV-injection triggers).
HOSTILE = ['=HYPERLINK("http://example.invalid/x","点我")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def sheet_parts(xlsx: Path | bytes) -> dict[str, bytes]:
    """Every worksheet part of ``xlsx`` (a path or the file's bytes), by member name."""
    data = xlsx if isinstance(xlsx, bytes) else Path(xlsx).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def as_read_back(text: str) -> str:
    """``text`` as an XLSX reader returns it: XML turns a bare CR into a line feed."""
    return text.replace("\r", "\n")


def formulas(xlsx: Path | bytes) -> list[str]:
    """Worksheet parts of ``xlsx`` that hold an ``<f>`` (formula) element."""
    return [name for name, xml in sheet_parts(xlsx).items() if _FORMULA.search(xml)]
