"""The verification loop's tables: identification steps and step clocks (issue 16)."""
from __future__ import annotations
