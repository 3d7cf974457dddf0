"""Errors an operator can act on: printed as one line (what happened, what to do), no traceback."""
from __future__ import annotations


class UserError(Exception):
    """An error the user can fix; the CLI prints it without a traceback (``-v`` shows one)."""
