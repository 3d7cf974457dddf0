"""Notifications and escalations of overdue steps (issue 16)."""
from __future__ import annotations
