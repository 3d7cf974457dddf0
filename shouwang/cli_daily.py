"""`shouwang daily`: the day's reports, leads and feeds merged into next-day lists (issue 17)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands (none yet)."""
