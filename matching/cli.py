"""Matching commands: `shouwang review ...`, `shouwang export links` (`link` runs a pipeline
stage: the wiring registers it)."""
from __future__ import annotations

import argparse
import getpass
import json
import sys

from shouwang.core.cli_args import export_group
from shouwang.core.errors import UserError
from shouwang.core.periods import is_period


def period_type(text: str) -> str:
    """argparse type for the matching commands' ``--period`` (their own usage message)."""
    if not is_period(text):
        raise argparse.ArgumentTypeError(f"period must look like 2026-10, not {text!r}")
    return text


def register(sub: argparse._SubParsersAction) -> None:
    """Add the review and export-links commands to the `shouwang` parser."""
    review = sub.add_parser("review", help="list review-band matches; accept or reject them")
    rsub = review.add_subparsers(dest="review_action", metavar="ACTION", required=True)
    ls = rsub.add_parser("list", help="show pairs waiting for a person's decision")
    ls.add_argument("--period", type=period_type, metavar="YYYY-MM")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=cmd_review_list)
    for action, help_text in (("accept", "the record is this person"),
                              ("reject", "the record is not this person")):
        a = rsub.add_parser(action, help=help_text)
        a.add_argument("link_id", type=int, help="the id shown by `shouwang review list`")
        a.add_argument("--by", default=None, help="reviewer name (default: your login)")
        a.set_defaults(func=cmd_review_decide, decision=action)

    ex = export_group(sub).add_parser("links", help="one line per loaded feed row: household, score, status")
    ex.add_argument("--period", required=True, type=period_type, metavar="YYYY-MM")
    ex.add_argument("--out", required=True, metavar="FILE.csv")
    ex.set_defaults(func=cmd_export_links)


def cmd_review_list(ctx, args) -> int:
    """Print the review queue (IDs masked)."""
    from matching.review import review_queue

    rows = review_queue(ctx, args.period, args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return 0
    if not rows:
        print("no pairs waiting for review")
        return 0
    for r in rows:
        print(f"#{r['id']}  p={r['probability']:.3f}  {r['department']} {r['source_file']} 第{r['source_row']}行")
        print(f"    记录: {r['record_name']} {r['record_id_masked'] or '(无身份证号)'}")
        print(f"    花名册: {r['person_name']} {r['person_id_masked'] or ''}  户编号 {r['household_no']}")
        print(f"    依据: {r['why']}")
    return 0


def cmd_review_decide(ctx, args) -> int:
    """Accept or reject one link by id."""
    from matching.review import ReviewError, decide

    try:
        result = decide(ctx, args.link_id, args.decision, args.by or getpass.getuser())
    except ReviewError as e:
        raise UserError(str(e)) from e
    print(json.dumps(result))
    return 0


def cmd_export_links(ctx, args) -> int:
    """Write the links CSV for a period."""
    from matching.export import export_links

    result = export_links(ctx, args.period, args.out)
    if result["unlinked"]:
        print(f"warning: {result['unlinked']} loaded rows have no link yet; run "
              f"`shouwang link --period {args.period}` first", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0
