"""The login limiter counts failures per (username, address) in a sliding window."""
from __future__ import annotations

from portal.ratelimit import LoginLimiter


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_max_failures_then_recovers():
    clock = FakeClock()
    lim = LoginLimiter(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(3):
        assert lim.retry_after("u", "1.2.3.4") == 0
        lim.failed("u", "1.2.3.4")
    assert lim.retry_after("u", "1.2.3.4") == 61
    assert lim.retry_after("u", "5.6.7.8") == 0  # another address
    assert lim.retry_after("v", "1.2.3.4") == 0  # another user
    clock.now += 30
    assert lim.retry_after("u", "1.2.3.4") == 31
    clock.now += 31
    assert lim.retry_after("u", "1.2.3.4") == 0


def test_success_forgets_failures():
    lim = LoginLimiter(max_failures=2, window_seconds=60, clock=FakeClock())
    lim.failed("u", "ip")
    lim.succeeded("u", "ip")
    lim.failed("u", "ip")
    assert lim.retry_after("u", "ip") == 0
