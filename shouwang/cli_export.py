"""The shared `shouwang export ...` command group that several rooms add subcommands to."""
from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Iterable, Sequence

_GROUPS: dict[int, argparse._SubParsersAction] = {}


def export_group(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The subparsers of `shouwang export`, created on first use, shared afterwards."""
    key = id(sub)
    if key not in _GROUPS:
        parser = sub.add_parser("export", help="write CSV exports (quarantine, links, warnings, alerts)")
        _GROUPS[key] = parser.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    return _GROUPS[key]


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write an export: a header of ``columns``, then ``rows`` (UTF-8, no BOM); return the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
