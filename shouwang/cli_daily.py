"""`shouwang daily`: the day's reports, leads and feeds merged into next-day lists (issue 17)."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from shouwang.core.errors import UserError

LABELS = {"received": "收到", "matched": "匹配到户", "leads": "应纳未纳线索", "duplicates": "并入已有预警",
          "warnings": "新增预警", "pending": "待匹配核对"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add `shouwang daily --date YYYY-MM-DD --out DIR`."""
    p = sub.add_parser("daily", help="merge a day's self-reports and leads into next-day township lists")
    p.add_argument("--date", required=True, type=day_arg, metavar="YYYY-MM-DD",
                   help="the county day whose inputs are merged (its evening)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR",
                   help="lists go to DIR/daily/<date>/")
    p.set_defaults(func=cmd_daily)


def day_arg(text: str) -> dt.date:
    """A YYYY-MM-DD date for argparse, with a message people read."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD (e.g. 2026-10-15)") from None


def cmd_daily(ctx, args) -> int:
    """Merge the day and print what each channel brought and where the lists are."""
    from screening.rules import RuleError
    from shouwang.daily import run_day

    try:
        result = run_day(ctx, args.date, args.out)
    except RuleError as e:
        raise UserError(str(e)) from e
    merged = result["merged"]
    print(f"{result['date']}: merged {merged.get('inputs', 0)} new inputs"
          f" ({merged.get('waiting', 0)} earlier ones were waiting for a match review)")
    for channel, counts in result["channels"].items():
        print(f"  {channel}: " + ", ".join(f"{LABELS[k]} {v}" for k, v in counts.items()))
    print(f"{result['lines']} lines in {result['lists']} township lists in {result['folder']}:")
    for name in result["files"]:
        print(f"  {name}")
    return 0
