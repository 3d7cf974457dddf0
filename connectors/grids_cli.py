"""`shouwang grids load`: tie every roster household to its grid (issue 17)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands (none yet)."""
