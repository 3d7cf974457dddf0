"""`shouwang export department-returns`: each department's monthly return (issue 19)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands (none yet)."""
