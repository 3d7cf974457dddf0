"""`shouwang serve` trusts X-Forwarded-For only from the proxies in settings portal.trusted_proxies:
a rotating header from an untrusted peer (even localhost) cannot reset the login limit."""
from __future__ import annotations

import httpx
import yaml

from portal.cli import uvicorn_options
from tests.portal.conftest import FAST_ARGON2, PASSWORD, serving


def _configure(home, trusted: list[str]) -> None:
    (home / "settings.yaml").write_text(yaml.safe_dump(
        {"portal": {"argon2": FAST_ARGON2, "trusted_proxies": trusted}}), encoding="utf-8")


def _login(http: httpx.Client, password: str, forwarded_for: str) -> int:
    return http.post("/login", data={"username": "town_a", "password": password},
                     headers={"X-Forwarded-For": forwarded_for}).status_code


def test_uvicorn_options_follow_settings():
    assert uvicorn_options({"portal": {"trusted_proxies": []}}) == {"proxy_headers": False}
    assert uvicorn_options({"portal": {}}) == {"proxy_headers": False}
    assert uvicorn_options({"portal": {"trusted_proxies": ["10.0.0.5", "10.1.0.0/16"]}}) == {
        "proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "10.1.0.0/16"]}


def test_rotating_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit(ctx, seed, home):
    _configure(home, [])
    limit = int(ctx.settings["portal"]["login_max_failures"])
    with serving(ctx) as url, httpx.Client(base_url=url, headers={"Origin": url}) as http:
        for i in range(limit):
            assert _login(http, "bad-bad-bad", f"198.51.100.{i + 1}") == 401
        assert _login(http, PASSWORD, "198.51.100.200") == 429


def test_forwarded_for_is_honoured_from_a_trusted_proxy(ctx, seed, home):
    _configure(home, ["127.0.0.1"])
    limit = int(ctx.settings["portal"]["login_max_failures"])
    with serving(ctx) as url, httpx.Client(base_url=url, headers={"Origin": url}) as http:
        for _ in range(limit):
            assert _login(http, "bad-bad-bad", "198.51.100.7") == 401
        assert _login(http, PASSWORD, "198.51.100.7") == 429  # the real client is limited
        assert _login(http, PASSWORD, "198.51.100.8") == 303  # another client behind the proxy
