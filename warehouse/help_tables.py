"""The help loop's tables: policy list, contact cadres, measures, visits, risk elimination (issue 18)."""
from __future__ import annotations
