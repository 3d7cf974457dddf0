"""Grids under villages and the daily merge's record (issue 17)."""
from __future__ import annotations
