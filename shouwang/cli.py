"""The `shouwang` command. Global options come before the subcommand.

Each room registers its own subcommands in `<room>/cli.py` (a `register(subparsers)` function),
so this file only wires them together.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from pathlib import Path

from shouwang import __version__, cli_daily, cli_pipeline, config
from shouwang.core import errors
from shouwang.core.periods import period_arg  # noqa: F401 - re-exported for tools' commands
from shouwang.context import Context

ROOMS = (
    "warehouse.cli",
    "connectors.cli",
    "connectors.grids_cli",
    "matching.cli",
    "screening.cli",
    "screening.loop_cli",
    "screening.returns_cli",
    "screening.help_cli",
    "portal.cli",
    "portal.reports_cli",
)
# Command groups outside the product (`shouwang generate`, `shouwang bench`) live in
# shouwang_tools, a higher layer this module must not import by name: they declare their
# `register` under this entry-point group in pyproject.toml.
COMMAND_GROUP = "shouwang.commands"


def extra_commands() -> list:
    """The `register(subparsers)` functions installed under the `shouwang.commands` entry points."""
    from importlib import metadata

    found = []
    for point in metadata.entry_points(group=COMMAND_GROUP):
        try:
            found.append(point.load())
        except ModuleNotFoundError as e:
            if e.name != point.module and not point.module.startswith(f"{e.name}."):
                raise  # the tool is there but one of its own imports is broken: say so
            # metadata names a tool that is not installed (e.g. the production image): no command
    return found


UserError = errors.UserError  # re-exported: the rooms raise it from shouwang.core.errors


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every room's subcommands."""
    parser = argparse.ArgumentParser(
        prog="shouwang",
        description="守望 Shouwang: feeds → validation → matching → screening → township lists.",
    )
    parser.add_argument("--version", action="version", version=f"shouwang {__version__}")
    parser.add_argument(
        "--warehouse",
        metavar="URL",
        help=f"SQLAlchemy URL of the warehouse (env {config.ENV_WAREHOUSE}; "
        "default sqlite:///$SHOUWANG_HOME/warehouse.db)",
    )
    parser.add_argument(
        "--home", metavar="DIR", help=f"local state folder (env {config.ENV_HOME}; default ./var)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in ROOMS:
        importlib.import_module(name).register(sub)
    cli_pipeline.register(sub)  # the stage commands call shouwang.pipeline: wiring, not a room
    cli_daily.register(sub)  # the daily merge: wiring too
    for register in extra_commands():
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `shouwang` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    home = Path(args.home).resolve() if args.home else config.home()
    ctx = Context(warehouse=config.warehouse_url(args.warehouse, home_dir=home), home=home)
    try:
        return int(args.func(ctx, args) or 0)
    except UserError as e:
        if args.verbose:
            traceback.print_exc()
        print(f"shouwang: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("shouwang: stopped (Ctrl-C); run the same command again to finish", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - operators get one line; -v shows the traceback
        if args.verbose:
            traceback.print_exc()
        print(f"shouwang: error: {unexpected(e)}", file=sys.stderr)
        return 1


# Failures an operator can act on although no room raised a UserError for them.
_HINTS = (
    ("database is locked", "another process is writing the SQLite warehouse; wait for it to "
                           "finish, then run the command again"),
    ("could not obtain lock", "another run holds the warehouse; wait for it, then run again"),
    ("deadlock detected", "two runs collided on the warehouse; run the command again"),
    ("could not connect", "the warehouse database is not reachable; check --warehouse / "
                          "SHOUWANG_WAREHOUSE and that the server is running"),
    ("connection refused", "the warehouse database is not reachable; check --warehouse / "
                           "SHOUWANG_WAREHOUSE and that the server is running"),
    ("no space left", "the disk is full; free space under SHOUWANG_HOME, then run again"),
)


def unexpected(error: BaseException) -> str:
    """One masked line for an error no room explained: what happened and what to do."""
    from sqlalchemy.exc import DBAPIError, StatementError

    from warehouse.masking import mask_text

    # A database error's text carries the statement's parameters (maybe an ID): keep only
    # the driver's own first line.
    cause = error.orig if isinstance(error, (DBAPIError, StatementError)) else error
    first = (str(cause).strip().splitlines() or [""])[0]
    what = mask_text(f"{type(cause).__name__}: {first}"[:300])
    for needle, hint in _HINTS:
        if needle in first.lower():
            return f"{what} — {hint} (-v shows the details)"
    return (f"{what} — this is unexpected: run the command again with -v and send the output "
            "to the county data engineer")


if __name__ == "__main__":
    sys.exit(main())
