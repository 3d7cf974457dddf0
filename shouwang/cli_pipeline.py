"""The commands that run pipeline stages: `ingest`, `link`, `run`, `screen`, `publish`.

They live in the wiring layer because they call `shouwang.pipeline` (which holds the warehouse
lock, one run at a time); each room's `cli.py` lends its option types and printing helpers.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from matching.cli import period_type as link_period
from screening.cli import guarded, print_outputs
from shouwang.core.cli_args import user_period
from shouwang.core.errors import UserError
from shouwang.core.periods import period_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add the pipeline-stage subcommands to the `shouwang` parser."""
    p = sub.add_parser("ingest", help="load a period's department files from a landing folder")
    p.add_argument("--period", required=True, metavar="YYYY-MM")  # checked by the handler
    p.add_argument("--landing", required=True, type=Path, metavar="DIR")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("link", help="link a period's loaded feed records to roster households")
    p.add_argument("--period", required=True, type=link_period, metavar="YYYY-MM")
    p.set_defaults(func=cmd_link)

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


def cmd_ingest(ctx, args) -> int:
    """Load every department file of the period in the landing folder; one line per file."""
    from connectors.errors import FeedError
    from shouwang import pipeline
    from warehouse.crypto import KeyMissing

    period = user_period(args.period)
    try:
        results = pipeline.ingest(ctx, period, args.landing)
    except (FeedError, KeyMissing) as e:
        raise UserError(str(e)) from None
    if not results:
        print(f"no files for {period} in {args.landing}")
    for r in results:
        line = (f"{r['status']:<9} {r['source_file']}: read {r['rows_read']}, loaded "
                f"{r['rows_loaded']}, quarantined {r['rows_quarantined']}, merged {r['rows_merged']}")
        print(line if r["status"] != "failed" else f"{r['status']:<9} {r['error']}")
        if r.get("note"):
            print(f"{'':<9} {r['note']}")
    return 1 if any(r["status"] == "failed" for r in results) else 0


def cmd_link(ctx, args) -> int:
    """Run matching for one period and print its counts."""
    from shouwang.pipeline import match

    print(json.dumps(match(ctx, args.period), ensure_ascii=False))
    return 0


def cmd_run(ctx, args) -> int:
    """The whole pipeline for one period."""
    from shouwang import pipeline

    if not args.landing.is_dir():
        raise UserError(f"landing folder {args.landing} does not exist; give the folder of department files")
    result = guarded(pipeline.run, ctx, args.period, args.landing, args.out)
    files = result["ingest"]
    print(f"ingested {len(files)} files for {args.period}; "
          f"screened: {json.dumps(result['screen'], ensure_ascii=False)}")
    print_outputs(Path(result["publish"]["folder"]))
    return 0


def cmd_screen(ctx, args) -> int:
    """Screen one period and print the counts."""
    from shouwang.pipeline import screen

    print(json.dumps(guarded(screen, ctx, args.period), ensure_ascii=False, indent=1))
    return 0


def cmd_publish(ctx, args) -> int:
    """Publish one period's lists and digest and say where they are."""
    from shouwang.pipeline import publish

    print_outputs(Path(guarded(publish, ctx, args.period, args.out)["folder"]))
    return 0
