"""`shouwang export department-returns`: each department's monthly return (issue 19)."""
from __future__ import annotations

import argparse
from pathlib import Path

from shouwang.core.cli_args import export_group
from shouwang.core.periods import period_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add `export department-returns --period P --out DIR`."""
    p = export_group(sub).add_parser(
        "department-returns",
        help="one XLSX per department: the month's newly monitored households and eliminated "
             "risks (masked IDs, 户编号)")
    p.add_argument("--period", required=True, type=period_arg, metavar="YYYY-MM")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.set_defaults(func=cmd_department_returns)


def cmd_department_returns(ctx, args) -> int:
    """Write the returns and say where they are."""
    from screening.cli import guarded
    from screening.returns import export_returns
    from shouwang.core.errors import UserError

    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} is a file; give a folder for the returns")
    paths = guarded(export_returns, ctx, args.period, args.out)
    print(f"department returns ({len(paths)}) in {args.out}:")
    for path in paths:
        print(f"  {path.name}")
    return 0
