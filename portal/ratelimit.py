"""Login rate limiting: failed attempts per (username, client address) in a sliding window."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    """In-memory limiter; one per app (a restart forgets, which is acceptable for a county)."""

    def __init__(self, max_failures: int, window_seconds: float, clock=time.monotonic):
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        q = self._failures[key]
        cutoff = self.clock() - self.window
        while q and q[0] <= cutoff:
            q.popleft()
        return q

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until this pair may try again; 0 when it may try now."""
        with self._lock:
            q = self._recent((username, client))
            if len(q) < self.max_failures:
                return 0
            return max(1, int(q[0] + self.window - self.clock()) + 1)

    def failed(self, username: str, client: str) -> None:
        """Count one failed attempt."""
        with self._lock:
            self._recent((username, client)).append(self.clock())

    def succeeded(self, username: str, client: str) -> None:
        """Forget the pair's failures after a good login."""
        with self._lock:
            self._failures.pop((username, client), None)
