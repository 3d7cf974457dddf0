"""Self-reports (public, no account) and staff-entered leads (issue 17)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
