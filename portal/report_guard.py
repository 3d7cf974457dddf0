"""What stands between the public and the warehouse on /report: per-address limits, the
proof-of-work challenge, a cap on the body, and the vault that seals what arrives."""
from __future__ import annotations

import json
import threading

from fastapi import Request

from portal.errors import Forbidden, InvalidInput, PortalError
from portal.ratelimit import LoginLimiter
from portal.report_challenge import Challenges
from portal.web import portal_of

_LOCK = threading.Lock()


class RateLimited(PortalError):
    """Too many requests from one address in the window."""

    status = 429


class TooLarge(PortalError):
    """The request body is larger than settings reports.max_body_bytes."""

    status = 413


class ReportGuard:
    """One per app: the limiters of settings reports.rate_limits, the challenges, the vault."""

    def __init__(self, portal):  # portal: portal.web.Portal
        cfg = portal.settings["reports"]
        # The login limiter's sliding window counts any event: here reports, lookups, challenges.
        self.limits = {bucket: LoginLimiter(int(v["max"]), float(v["window_seconds"]))
                       for bucket, v in cfg["rate_limits"].items()}
        self.vault = portal.ctx.vault()
        key = bytes.fromhex(self.vault.blind("report_challenge", "altcha-hmac"))
        self.challenges = Challenges(key, int(cfg["challenge"]["max_number"]),
                                     int(cfg["challenge"]["expires_seconds"]))
        self.challenge_on = bool(portal.cfg.get("report_challenge", True))
        self.max_body_bytes = int(cfg["max_body_bytes"])

    def wait(self, bucket: str, client: str) -> None:
        """Raise RateLimited while ``client`` has used up ``bucket``'s window."""
        seconds = self.limits[bucket].retry_after(bucket, client)
        if seconds:
            raise RateLimited(f"提交或查询过于频繁，请 {seconds} 秒后再试")

    def count(self, bucket: str, client: str) -> None:
        """Count one use of ``bucket`` by ``client``."""
        self.limits[bucket].failed(bucket, client)

    def spend(self, bucket: str, client: str) -> None:
        """``wait`` then ``count``: a use that is refused once the window is full."""
        self.wait(bucket, client)
        self.count(bucket, client)

    def check_challenge(self, body: dict) -> None:
        """With the challenge on, the body's ``altcha`` must solve a fresh one of ours."""
        if self.challenge_on and not self.challenges.verify(body.get("altcha")):
            raise Forbidden("安全验证未完成或已过期，请刷新页面后重新提交")


def guard(request: Request) -> ReportGuard:
    """The app's ReportGuard, made on first use."""
    state = request.app.state
    with _LOCK:
        if getattr(state, "report_guard", None) is None:
            state.report_guard = ReportGuard(portal_of(request))
        return state.report_guard


def client_of(request: Request) -> str:
    """The client's address as the limits count it (a trusted proxy's forwarded one)."""
    return request.client.host if request.client else "-"


async def read_json(request: Request, max_bytes: int) -> object:
    """The JSON body, read no further than ``max_bytes`` (413 beyond)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"提交的内容太长（上限 {max_bytes} 字节），请缩短情况说明")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(f"提交的内容太长（上限 {max_bytes} 字节），请缩短情况说明")
    try:
        return json.loads(bytes(body))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("提交的内容不是 JSON", None) from None
