"""Helpers shared by every room's tests (the one warehouse builder lives in warehouse.py)."""
