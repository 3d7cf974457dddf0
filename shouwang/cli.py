"""The `shouwang` command. Global options come before the subcommand.

Each room registers its own subcommands in `<room>/cli.py` (a `register(subparsers)` function),
so this file only wires them together.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
from pathlib import Path

from shouwang import __version__, config
from shouwang.core import errors
from shouwang.context import Context

ROOMS = (
    "warehouse.cli",
    "shouwang.demo.cli",
    "connectors.cli",
    "matching.cli",
    "screening.cli",
    "portal.cli",
    "shouwang.bench.cli",
)


UserError = errors.UserError  # re-exported: the rooms raise it from shouwang.core.errors


_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_arg(text: str) -> str:
    """argparse type for ``--period``: a YYYY-MM month, else a one-line usage error."""
    if not _PERIOD.match(text):
        raise argparse.ArgumentTypeError(f"period {text!r} is not YYYY-MM, e.g. 2026-10")
    return text


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
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name or name.startswith(str(e.name) + "."):
                continue  # that room has no commands yet
            raise
        module.register(sub)
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
        print(f"shouwang: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
