"""The verification loop's actions: closure, identification steps, the warning's history (issue 16)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
