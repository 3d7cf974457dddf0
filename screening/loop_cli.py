"""`shouwang sla run`, `shouwang calendar check`, `shouwang export monitored` (issue 16)."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from shouwang.core.cli_args import export_group
from shouwang.core.errors import UserError


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD (e.g. 2026-11-30)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sla run`, `calendar check` and `export monitored`."""
    sla = sub.add_parser("sla", help="overdue steps: escalate and notify")
    sla_sub = sla.add_subparsers(dest="sla_what", metavar="WHAT", required=True)
    run = sla_sub.add_parser("run", help="escalate every step past due (township, then county) "
                                         "and mail the notifications")
    run.add_argument("--today", type=_day, metavar="YYYY-MM-DD",
                     help="the county day to run as (a backfill or a rerun); default today")
    run.set_defaults(func=cmd_sla_run)

    cal = sub.add_parser("calendar", help="the official holiday calendar")
    cal_sub = cal.add_subparsers(dest="calendar_what", metavar="WHAT", required=True)
    check = cal_sub.add_parser("check", help="is a year's holiday table there? (exit 1 if not)")
    check.add_argument("--year", type=int, required=True, metavar="YYYY")
    check.set_defaults(func=cmd_calendar_check)

    export = export_group(sub)
    mon = export.add_parser("monitored", help="households newly monitored (for the national "
                                              "system), CSV or XLSX")
    mon.add_argument("--since", type=_day, required=True, metavar="YYYY-MM-DD")
    mon.add_argument("--out", type=Path, required=True, metavar="F.csv|F.xlsx")
    mon.add_argument("--township", help="only this township")
    mon.set_defaults(func=cmd_export_monitored)


def cmd_sla_run(ctx, args) -> int:
    """Escalate overdue steps as of --today; print counts, calendar gaps and mail problems."""
    from screening.calendar import gap_warning
    from screening.cli import guarded
    from screening.deadlines import sla_run

    result = guarded(sla_run, ctx, args.today)
    print(f"SLA run for {result['as_of']}: {result['overdue']} steps overdue in "
          f"{result['townships']} townships; told townships {result['escalated_township']}, "
          f"escalated to the county {result['escalated_county']}"
          + (f"; clocks started for {result['clocks_started']} published warnings"
             if result["clocks_started"] else ""))
    mail = result["mail"]
    if mail["smtp"] == "on":
        print(f"mail: {mail['mailed']} notifications in {mail['messages']} messages"
              + (f"; {mail['no_address']} without an address (settings notifications.email)"
                 if mail["no_address"] else ""))
    if result["calendar_gaps"]:
        print(f"WARNING: {gap_warning(result['calendar_gaps'])}")
    if mail.get("error"):
        raise UserError(f"mail not sent: {mail['error']}")
    return 0


def cmd_calendar_check(ctx, args) -> int:
    """Say whether --year has an official holiday table; exit 1 when it has none."""
    from screening.calendar import CalendarError, describe

    try:
        ok, line = describe(args.year)
    except CalendarError as e:
        raise UserError(str(e)) from e
    print(line)
    return 0 if ok else 1


def cmd_export_monitored(ctx, args) -> int:
    """Write the households that became monitored on or after --since."""
    from screening import monitored
    from screening.cli import guarded
    from warehouse.db import session_scope

    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError(f"--out {args.out}: write a .csv or .xlsx file")
    with session_scope(ctx.engine) as s:
        table = guarded(monitored.rows, s, args.since, ctx.settings, args.township, ctx.home)
    households = monitored.write(args.out, table)
    print(f"{households} newly monitored households ({len(table)} members) since "
          f"{args.since.isoformat()} written to {args.out}")
    return 0
