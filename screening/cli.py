"""Screening commands: export warnings / alerts, and the helpers the pipeline commands use
(`run`, `screen` and `publish` run pipeline stages: the wiring registers them)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

from shouwang.core.cli_args import export_group
from shouwang.core.errors import UserError
from shouwang.core.periods import period_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `export warnings|alerts` subcommands."""
    export = export_group(sub)
    for what, helptext in (("warnings", "the period's warnings as CSV"),
                           ("alerts", "the period's regional alerts as CSV")):
        p = export.add_parser(what, help=helptext)
        p.add_argument("--period", required=True, type=period_arg, metavar="YYYY-MM")
        p.add_argument("--out", required=True, type=Path, metavar="F.csv")
        p.set_defaults(func=cmd_export_warnings if what == "warnings" else cmd_export_alerts)


def guarded(action: Callable[..., Any], *args: Any) -> Any:
    """Run a screening call; a broken rule file becomes a one-screen error, not a traceback."""
    from screening.rules import RuleError

    try:
        return action(*args)
    except RuleError as e:
        raise UserError(str(e)) from e


def print_outputs(folder: Path) -> None:
    """Say where a published period's township lists and county digest are."""
    from screening.publish import digest_file_names

    period = folder.name
    lists = sorted(p.name for p in folder.glob(f"*_{period}_预警核查清单.xlsx"))
    html, xlsx = digest_file_names(period)
    print(f"township lists ({len(lists)}) in {folder}:")
    for name in lists:
        print(f"  {name}")
    print(f"county digest: {folder / html}")
    print(f"               {folder / xlsx}")


def cmd_export_warnings(ctx, args) -> int:
    """Export the period's warnings as CSV."""
    from screening.export import export_warnings

    print(f"{export_warnings(ctx, args.period, args.out)} warnings written to {args.out}")
    return 0


def cmd_export_alerts(ctx, args) -> int:
    """Export the period's regional alerts as CSV."""
    from screening.export import export_alerts

    print(f"{export_alerts(ctx, args.period, args.out)} alerts written to {args.out}")
    return 0
