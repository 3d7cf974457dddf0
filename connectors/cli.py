"""Connector commands: `feeds check FILE`, `feeds accept BATCH`, `registry load FILE`,
`export quarantine` (`ingest` runs a pipeline stage: the wiring registers it)."""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from shouwang.core.cli_args import export_group, user_period
from shouwang.core.errors import UserError

SHOW_REASONS = 8


def register(sub: argparse._SubParsersAction) -> None:
    """Add the connector subcommands."""
    feeds = sub.add_parser("feeds", help="inspect department feed files")
    feeds_sub = feeds.add_subparsers(dest="feeds_what", metavar="WHAT", required=True)
    check = feeds_sub.add_parser("check", help="dry run: how a file would load (writes nothing)")
    check.add_argument("file", type=Path)
    check.add_argument("--department", help="module or Chinese name, when the file name lacks it")
    check.set_defaults(func=cmd_check)
    accept = feeds_sub.add_parser(
        "accept", help="apply a held batch (far fewer rows than the loaded one it replaces)")
    accept.add_argument("batch", metavar="BATCH", help="the held batch's id or file name")
    accept.set_defaults(func=cmd_accept)

    registry = sub.add_parser("registry", help="the monitored-household roster (花名册)")
    registry_sub = registry.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    load = registry_sub.add_parser("load", help="load a roster file (CSV any encoding, XLSX, XLS)")
    load.add_argument("file", metavar="FILE")
    load.set_defaults(func=cmd_registry_load)

    quarantine = export_group(sub).add_parser(
        "quarantine", help="rows not loaded: department, source_file, source_row, reason")
    quarantine.add_argument("--period", required=True, metavar="YYYY-MM")
    quarantine.add_argument("--out", required=True, type=Path, metavar="FILE.csv")
    quarantine.set_defaults(func=cmd_export_quarantine)


def _regions(ctx):
    """The warehouse's regions when there is a migrated warehouse, else None (check still runs)."""
    from connectors.plan import ingest_settings
    from connectors.regions import RegionIndex

    if ctx.warehouse.startswith("sqlite") and not Path(ctx.warehouse.split(":///", 1)[-1]).exists():
        return None  # opening it would create an empty warehouse: a dry run writes nothing
    try:
        return RegionIndex.from_db(ctx.engine, ingest_settings(ctx.settings).get("region_suffixes", {}))
    except Exception:  # noqa: BLE001 - no warehouse yet: places are shown as written
        return None


def cmd_check(ctx, args) -> int:
    """Print what loading FILE would do, on one screen; write nothing."""
    from connectors import catalog
    from connectors.errors import FeedError
    from connectors.plan import ingest_settings, plan_feed
    from connectors.reader import read_sheet

    path: Path = args.file
    if not path.exists():
        raise UserError(f"{path}: no such file")
    dept_name, period = catalog.parse_file_name(path.stem)
    print(f"file        {path.name}")
    try:
        sheet = read_sheet(path)
        print(f"format      {sheet.kind}" + (f", encoding {sheet.encoding}" if sheet.encoding else ""))
        contract = _contract(args.department or dept_name, sheet, ingest_settings(ctx.settings))
        guessed = not (args.department or _named(dept_name))
        print(f"department  {contract.department} ({contract.label})"
              f"{'  [guessed from headers]' if guessed else ''}")
        print(f"period      {period or 'NOT IN FILE NAME: name it <dept>_<YYYY-MM>.<ext>'}")
        plan = plan_feed(sheet, contract, ctx.settings, _regions(ctx))
    except FeedError as e:
        print(f"\nPROBLEM ({e.reason}): {e}")
        print("Nothing was loaded. Fix the file and run `shouwang feeds check` again.")
        return 1
    _print_plan(plan)
    return 0


def _named(name: str | None) -> bool:
    from connectors import catalog

    try:
        catalog.contract_for(name or "")
        return True
    except KeyError:
        return False


def _contract(name: str | None, sheet, cfg: dict):
    """The contract the file name (or --department) gives, else the best match of its headers."""
    from connectors import catalog
    from connectors.errors import FeedError
    from connectors.reader import best_contract

    if name and _named(name):
        return catalog.contract_for(name)
    contract, score = best_contract(sheet, catalog.all_contracts(include_roster=True),
                                    int(cfg.get("header_scan_rows", 30)))
    if score < 0.5:
        raise FeedError(f"{sheet.source}: cannot tell the department from the file name or the "
                        "headers; name the file <dept>_<YYYY-MM> or pass --department", "unknown_department")
    return contract


def _print_plan(plan) -> None:
    loc = plan.located
    print(f"header row  {loc.header_row}   data rows {plan.rows_read}   "
          f"totals rows dropped {loc.totals_dropped}")
    print("columns")
    for f in loc.contract.fields:
        if f.name in loc.mapping:
            print(f"  {loc.headers[loc.mapping[f.name]]:<16} → {f.name}")
        elif not f.required:
            print(f"  {'(absent)':<16}   {f.name} (optional)")
    for extra in loc.extra_columns:
        print(f"  {extra:<16}   extra column, kept in raw")
    print(f"rows        {plan.rows_read} read = {len(plan.load)} to load + "
          f"{len(plan.quarantine)} to quarantine + {len(plan.merged)} duplicates merged")
    flags = Counter(f for row_flags in plan.records.flags for f in row_flags)
    flagged_ids = sum(1 for pos in plan.load if any(f.startswith("id_") for f in plan.records.flags[pos]))
    print(f"flagged ID  {flagged_ids} rows load with a flagged ID (matched by name, place, typo keys)")
    if flags:
        print("flags       " + ", ".join(f"{k} ×{v}" for k, v in flags.most_common()))
    if plan.quarantine:
        counts = Counter(ps[0].reason for ps in plan.quarantine.values())
        print("reasons     " + ", ".join(f"{k} ×{v}" for k, v in counts.most_common()))
        frame = plan.records.frame
        for pos, problems in list(sorted(plan.quarantine.items()))[:SHOW_REASONS]:
            print(f"  row {int(frame['source_row'].iat[pos])}: {problems[0].reason}: "
                  f"{problems[0].detail}")
        if len(plan.quarantine) > SHOW_REASONS:
            print(f"  … {len(plan.quarantine) - SHOW_REASONS} more")
    for note in plan.notes:
        print(f"note        {note}")


def cmd_accept(ctx, args) -> int:
    """Apply a held batch: it becomes the loaded one and supersedes the batch it replaces."""
    from connectors.corrections import accept

    held = accept(ctx, args.batch)
    print(f"accepted  {held.source_file} (batch {held.batch_id}, {held.department} {held.period}): "
          f"{held.rows_read} rows now loaded"
          + (f", {held.loaded_file} (batch {held.loaded_id}) superseded" if held.loaded_id else "")
          + "; the next `shouwang run` (or screening_publish) re-screens and publishes the period")
    return 0


def cmd_export_quarantine(ctx, args) -> int:
    """Write the period's quarantine to CSV."""
    from connectors.export import write_quarantine_csv

    n = write_quarantine_csv(ctx, user_period(args.period), args.out)
    print(f"{n} quarantined rows → {args.out}")
    return 0


def cmd_registry_load(ctx, args) -> int:
    """Load the roster FILE into regions, households and persons."""
    from connectors.roster import load_roster
    from warehouse.crypto import KeyMissing

    if not Path(args.file).exists():
        raise UserError(f"{args.file}: no such file")
    try:
        r = load_roster(ctx, Path(args.file))
    except KeyMissing as e:
        raise UserError(str(e)) from None
    if r.status == "failed":
        raise UserError(r.error)
    print(f"{r.status} {r.source_file} in {r.seconds}s: read {r.rows_read}, loaded {r.rows_loaded}, "
          f"quarantined {r.rows_quarantined}, merged {r.rows_merged}; households +{r.households_added} "
          f"~{r.households_updated} -{r.households_deactivated}; persons +{r.persons_added} "
          f"~{r.persons_updated} -{r.persons_deactivated}")
    return 0
