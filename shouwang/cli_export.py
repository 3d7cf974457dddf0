"""The shared `shouwang export ...` command group that several rooms add subcommands to."""
from __future__ import annotations

import argparse

_GROUPS: dict[int, argparse._SubParsersAction] = {}


def export_group(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The subparsers of `shouwang export`, created on first use, shared afterwards."""
    key = id(sub)
    if key not in _GROUPS:
        parser = sub.add_parser("export", help="write CSV exports (quarantine, links, warnings, alerts)")
        _GROUPS[key] = parser.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    return _GROUPS[key]
