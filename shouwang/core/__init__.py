"""Foundations: the pieces every room may import (errors, shared vocabulary); imports nothing of ours."""
