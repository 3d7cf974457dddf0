"""Self-reports and staff-entered leads: the channels besides department feeds (issue 17)."""
from __future__ import annotations
