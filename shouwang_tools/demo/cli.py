"""`shouwang generate`: write a synthetic demo county (roster, grid ledger, department feeds, ground truth)."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path


def _generate(ctx, args) -> int:
    """Generate the county and print its counts (never a name, ID or phone)."""
    from shouwang.core.errors import UserError
    from shouwang_tools.demo.generate import generate_county

    try:
        county = generate_county(
            args.households, args.period, Path(args.out), seed=args.seed, townships=args.townships,
            as_of=args.as_of, feed_scale=args.feed_scale,
        )
    except (ValueError, RuntimeError) as e:  # bad arguments or settings; xlwt missing
        raise UserError(f"generate: {e}") from e
    s = county.summary()
    print(
        f"generated {s['households']} households / {s['persons']} persons in {s['townships']} townships, "
        f"{s['villages']} villages, period {s['period']}, seed {s['seed']} ({s['seconds']} s)"
    )
    print(f"  roster   {county.roster}")
    print(f"  grids    {county.grid_ledger}")
    for dept, path in county.feeds.items():
        print(f"  {dept:<18} {s['feed_rows'][dept]:>8} rows  {path}")
    print(
        f"  truth    {county.out / 'truth'}: {s['warnings']} warnings ({s['leads']} leads), "
        f"{s['alerts']} alerts, {s['quarantined']} bad rows"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `shouwang generate` to the command line."""
    p = sub.add_parser(
        "generate",
        help="write a synthetic demo county: roster, grid ledger, one messy feed per department, ground truth",
        description="Writes DIR/roster.csv, DIR/网格台账.xlsx, DIR/landing/<dept>_<period>.<ext> and DIR/truth/*.csv. "
        "The same seed gives the same files; another period keeps the roster.",
    )
    p.add_argument("--households", type=int, required=True, metavar="N", help="roster households")
    p.add_argument("--period", required=True, metavar="YYYY-MM", help="reporting month of the feeds")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument(
        "--townships", type=int, default=None, metavar="K", help="townships (default ~6 per 3,000 households, scaled by sqrt)"
    )
    p.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
        help="no event dated after this day (default today; matters for the current month only)",
    )
    p.add_argument(
        "--feed-scale", type=float, default=1.0, metavar="F",
        help="multiply every feed's volume (default 1: about 2.8 feed rows a household; "
        "0.36 gives about one)",
    )
    p.set_defaults(func=_generate)
