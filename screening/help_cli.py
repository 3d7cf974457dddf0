"""`shouwang policies load` and `shouwang export assistance` (issue 18)."""
from __future__ import annotations

import argparse
from pathlib import Path

from shouwang.core.cli_args import export_group
from shouwang.core.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `policies load`, `policies list` and `export assistance`."""
    pol = sub.add_parser("policies", help="the county's policy list (政策清单)")
    pol_sub = pol.add_subparsers(dest="policies_what", metavar="WHAT", required=True)
    load = pol_sub.add_parser("load", help="load the county's policy list (CSV, XLSX or YAML); "
                                           "it replaces the list in use")
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(func=cmd_policies_load)
    show = pol_sub.add_parser("list", help="print the policy list in use")
    show.set_defaults(func=cmd_policies_list)

    export = export_group(sub)
    assist = export.add_parser("assistance", help="the assistance list (帮扶清单) of a township, "
                                                  "one sheet per village, XLSX or CSV")
    assist.add_argument("--township", required=True, help="the township (乡镇)")
    assist.add_argument("--village", help="only this village")
    assist.add_argument("--year", type=int, help="the year (default: this year)")
    assist.add_argument("--out", type=Path, required=True, metavar="F.xlsx|F.csv")
    assist.set_defaults(func=cmd_export_assistance)


def cmd_policies_load(ctx, args) -> int:
    """Check the list and replace the stored one; every bad cell is one line of the error."""
    from screening.policies import load_policies

    result = load_policies(ctx, args.file)
    kinds = "，".join(f"{k} {n} 项" for k, n in sorted(result.by_kind.items()))
    print(f"政策清单 {result.source}：导入 {result.policies} 项政策（{kinds}），"
          f"替换原有 {result.replaced} 项")
    for note in result.notes:
        print(f"注意：{note}")
    return 0


def cmd_policies_list(ctx, args) -> int:
    """Print the policy list in use (the default until a county loads its own)."""
    from screening.policies import policy_risks, stored_policies
    from warehouse.db import session_scope

    with session_scope(ctx.engine) as s:
        found = stored_policies(s, ctx.settings, ctx.home)
        for p in found:
            print(f"{p.position:>3} {p.name}\t{p.kind}\t{p.help_type}\t{p.department or ''}\t"
                  f"{','.join(policy_risks(p))}")
        source = found[0].source if found else "-"
    print(f"{len(found)} 项（来源：{source}）")
    return 0


def cmd_export_assistance(ctx, args) -> int:
    """Write the township's assistance list (one sheet per village) as XLSX or CSV."""
    from screening import assistance
    from screening.cli import guarded
    from shouwang.core.clock import today
    from warehouse.db import session_scope

    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError(f"--out {args.out}: write a .xlsx or .csv file")
    year = args.year or today(ctx.settings).year
    with session_scope(ctx.engine) as s:
        table = guarded(assistance.assistance_rows, s, ctx.settings, args.township, year,
                        args.village, ctx.home)
    assistance.write(args.out, table, args.township, year)
    villages = len({r.village for r in table})
    print(f"帮扶清单 {args.township} {year} 年：{len(table)} 户，{villages} 个村，已写入 {args.out}")
    return 0
