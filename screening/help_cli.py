"""`shouwang policies load` and `shouwang export assistance` (issue 18)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands (none yet)."""
