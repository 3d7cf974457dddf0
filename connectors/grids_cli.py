"""`shouwang grids load FILE`: tie every roster household to its grid (issue 17)."""
from __future__ import annotations

import argparse
from pathlib import Path

from shouwang.core.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `grids load`."""
    grids = sub.add_parser("grids", help="the grid ledger (网格台账): which grid holds each household")
    gsub = grids.add_subparsers(dest="grids_command", metavar="ACTION", required=True)
    load = gsub.add_parser(
        "load", help="load the grid ledger (CSV any encoding, XLSX, XLS); replaces the last one")
    load.add_argument("file", metavar="FILE", type=Path)
    load.set_defaults(func=cmd_grids_load)


def cmd_grids_load(ctx, args) -> int:
    """Load the ledger FILE: every active roster household gets exactly one grid, or nothing changes."""
    from connectors.grids import load_grids
    from warehouse.crypto import KeyMissing
    from warehouse.lock import warehouse_lock

    if not args.file.exists():
        raise UserError(f"{args.file}: 文件不存在")
    try:
        with warehouse_lock(ctx):
            r = load_grids(ctx, args.file)
    except KeyMissing as e:
        raise UserError(str(e)) from None
    print(f"网格台账 {r.source_file}: {r.grids} 个网格，{r.households} 户"
          f"（按组 {r.by_group}，按户编号表 {r.by_list}）"
          + (f"；删除旧网格 {r.removed_grids} 个" if r.removed_grids else ""))
    for note in r.notes:
        print(f"  注意：{note}")
    return 0
