"""`shouwang report-poster`: a village's self-report poster with its QR code (issue 17)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands (none yet)."""
