"""Screening commands: run (the whole pipeline), screen, publish, export warnings / alerts."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from shouwang.cli import period_arg
from shouwang.cli_export import export_group


def register(sub: argparse._SubParsersAction) -> None:
    """Add run, screen, publish and the `export warnings|alerts` subcommands."""
    p = sub.add_parser("run", help="ingest → validate → match → screen → publish, for one period")
    p.add_argument("--period", required=True, type=period_arg, metavar="YYYY-MM")
    p.add_argument("--landing", required=True, type=Path, metavar="DIR", help="folder of department files")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="where lists and digest go")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("screen", help="turn the period's linked records into warnings, leads and alerts")
    p.add_argument("--period", required=True, type=period_arg, metavar="YYYY-MM")
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("publish", help="write township lists (XLSX) and the county digest (HTML, XLSX)")
    p.add_argument("--period", required=True, type=period_arg, metavar="YYYY-MM")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.set_defaults(func=cmd_publish)

    export = export_group(sub)
    for what, helptext in (("warnings", "the period's warnings as CSV"),
                           ("alerts", "the period's regional alerts as CSV")):
        p = export.add_parser(what, help=helptext)
        p.add_argument("--period", required=True, type=period_arg, metavar="YYYY-MM")
        p.add_argument("--out", required=True, type=Path, metavar="F.csv")
        p.set_defaults(func=cmd_export_warnings if what == "warnings" else cmd_export_alerts)


def _guarded(action, *args):
    """Run a screening call; a broken rule file becomes a one-screen error, not a traceback."""
    from screening.rules import RuleError
    from shouwang.cli import UserError

    try:
        return action(*args)
    except RuleError as e:
        raise UserError(str(e)) from e


def _print_outputs(folder: Path) -> None:
    from screening.publish import digest_file_names

    period = folder.name
    lists = sorted(p.name for p in folder.glob(f"*_{period}_预警核查清单.xlsx"))
    html, xlsx = digest_file_names(period)
    print(f"township lists ({len(lists)}) in {folder}:")
    for name in lists:
        print(f"  {name}")
    print(f"county digest: {folder / html}")
    print(f"               {folder / xlsx}")


def cmd_run(ctx, args) -> int:
    """The whole pipeline for one period."""
    from shouwang import pipeline
    from shouwang.cli import UserError

    if not args.landing.is_dir():
        raise UserError(f"landing folder {args.landing} does not exist; give the folder of department files")
    try:
        result = _guarded(pipeline.run, ctx, args.period, args.landing, args.out)
    except ModuleNotFoundError as e:
        raise UserError(f"a pipeline stage is not installed yet ({e.name}); run the stages one by one") from e
    files = result["ingest"]
    print(f"ingested {len(files)} files for {args.period}; "
          f"screened: {json.dumps(result['screen'], ensure_ascii=False)}")
    _print_outputs(Path(result["publish"]["folder"]))
    return 0


def cmd_screen(ctx, args) -> int:
    """Screen one period and print the counts."""
    from shouwang.pipeline import screen  # holds the warehouse lock (one run at a time)

    print(json.dumps(_guarded(screen, ctx, args.period), ensure_ascii=False, indent=1))
    return 0


def cmd_publish(ctx, args) -> int:
    """Publish one period's lists and digest and say where they are."""
    from shouwang.pipeline import publish  # holds the warehouse lock (one run at a time)

    _print_outputs(Path(_guarded(publish, ctx, args.period, args.out)["folder"]))
    return 0


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
