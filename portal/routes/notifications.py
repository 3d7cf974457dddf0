"""The caller's notifications: overdue, escalated, returned, awaiting confirmation (issue 16)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
