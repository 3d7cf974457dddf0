"""A monitored household's case: contact cadre, suggested policies, measures, visits, risk elimination (issue 18)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
