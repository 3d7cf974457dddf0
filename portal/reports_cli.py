"""`shouwang report-poster`: a village's self-report poster with its QR code (issue 17)."""
from __future__ import annotations

import argparse
from pathlib import Path

from shouwang.core.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `report-poster`."""
    p = sub.add_parser("report-poster",
                       help="a village's self-report poster: QR code of /report and the hotline")
    p.add_argument("--township", required=True, help="乡镇 as in the roster (龙河镇 or 龙河)")
    p.add_argument("--village", required=True, help="村（社区） of that township")
    p.add_argument("--out", required=True, type=Path,
                   help="F.pdf (no font file needed) or F.png (needs a Chinese font)")
    p.add_argument("--font", type=Path, help="font file for a PNG (settings reports.poster_font)")
    p.set_defaults(func=cmd_report_poster)


def cmd_report_poster(ctx, args) -> int:
    """Write the poster of one village of the county's places."""
    from portal.report_poster import report_url, write_poster
    from portal.reports import places
    from warehouse.db import session_scope

    if args.font is not None and not args.font.is_file():
        raise UserError(f"--font: 没有字体文件 {args.font}")
    with session_scope(ctx.engine) as s:
        index = places(s, ctx.settings)
    if not len(index):
        raise UserError("花名册还没有导入，不知道本县有哪些村；请先运行 shouwang registry load 花名册文件")
    township, _ = index.resolve(args.township, None)
    if township.region_id is None:
        raise UserError(f"本县没有乡镇 {args.township}（按花名册）；请核对 --township")
    township, village = index.resolve(args.township, args.village)
    if village.region_id is None:
        raise UserError(f"{township.name}没有村（社区） {args.village}（按花名册）；请核对 --village")
    out = write_poster(args.out, ctx.settings, township.name, village.name, font=args.font)
    print(f"{out}: {township.name}{village.name} 的申报海报，二维码 "
          f"{report_url(ctx.settings, township.name, village.name)}")
    return 0
