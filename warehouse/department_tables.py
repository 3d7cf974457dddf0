"""Routed department checks (归口核查) and their replies (issue 19)."""
from __future__ import annotations
