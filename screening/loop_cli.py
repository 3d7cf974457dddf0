"""`shouwang sla run`, `shouwang calendar check`, `shouwang export monitored` (issue 16)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands (none yet)."""
