"""A department's routed checks, its replies and its monthly returns (issue 19)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
