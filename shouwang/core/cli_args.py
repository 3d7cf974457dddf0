"""What every room's `cli.py` shares: the `shouwang export ...` group, CSV exports, a period check."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterable, Sequence

from shouwang.core.errors import UserError
from shouwang.core.outputs import write_csv_file
from shouwang.core.periods import is_period

_GROUP = "_shouwang_export_group"  # kept on the parser's own subparsers action


def export_group(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The subparsers of `shouwang export`, created on first use, shared afterwards."""
    # Kept on ``sub`` itself: a table keyed by id(sub) handed a new parser the group of an old,
    # garbage-collected one whose id was reused ("conflicting subparser: quarantine").
    group = getattr(sub, _GROUP, None)
    if group is None:
        parser = sub.add_parser("export", help="write exports (quarantine, links, warnings, alerts, "
                                "monitored, department returns, assistance lists)")
        group = parser.add_subparsers(dest="export_what", metavar="WHAT", required=True)
        setattr(sub, _GROUP, group)
    return group


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write an export: a header of ``columns``, then ``rows`` (UTF-8, no BOM, formula-like text
    neutralized, written atomically); return the count."""
    return write_csv_file(path, columns, rows)


def user_period(value: str) -> str:
    """``value`` if it is YYYY-MM, else a UserError (one line, exit 1) for a handler's ``--period``."""
    if not is_period(value):
        raise UserError(f"period {value!r} is not YYYY-MM (e.g. 2026-10)")
    return value
