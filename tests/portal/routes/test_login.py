"""Login: secure cookie, wrong passwords, rate limiting, no open redirect."""
from __future__ import annotations

from tests.portal.conftest import PASSWORD, login


def test_login_sets_secure_http_only_cookie(client, seed):
    r = client.post("/login", data={"username": "town_a", "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert client.get("/queue").status_code == 200


def test_roles_land_on_their_pages(client, seed):
    for name, page in (("admin", "/county"), ("engineer", "/feeds")):
        r = client.post("/login", data={"username": name, "password": PASSWORD},
                        follow_redirects=False)
        assert r.headers["location"] == page


def test_wrong_password_shows_message(client, seed):
    r = client.post("/login", data={"username": "town_a", "password": "nope-nope-nope"})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_pages_without_session_go_to_login(client, seed):
    r = client.get("/warnings/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/warnings/1"
    forged = client.get("/queue", cookies={"shouwang_session": "eyJ1aWQiOjF9.forged.sig"},
                        follow_redirects=False)
    assert forged.status_code == 303


def test_login_is_rate_limited_per_username(client, seed, ctx):
    limit = int(ctx.settings["portal"]["login_max_failures"])
    for _ in range(limit):
        assert client.post("/login", data={"username": "town_a", "password": "bad-bad-bad"}
                           ).status_code == 401
    blocked = client.post("/login", data={"username": "town_a", "password": PASSWORD})
    assert blocked.status_code == 429 and "登录尝试过多" in blocked.text
    api = client.post("/api/token", data={"username": "town_a", "password": PASSWORD})
    assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
    # another account from the same address is not locked out
    assert client.post("/api/token", data={"username": "town_b", "password": PASSWORD}
                       ).status_code == 200


def test_next_must_be_a_local_path(client, seed):
    for target in ("//evil.example/", "https://evil.example/"):
        r = client.post("/login", data={"username": "town_a", "password": PASSWORD,
                                        "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/queue"
    r = client.post("/login", data={"username": "town_a", "password": PASSWORD,
                                    "next": "/queue?level=red"}, follow_redirects=False)
    assert r.headers["location"] == "/queue?level=red"


def test_logout_ends_session(client, seed):
    login(client, "town_a")
    client.post("/logout")
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_username_variants_share_the_login_limit(client, seed, ctx):
    """Spaces, case and full-width forms are one account to authentication, so one limit."""
    limit = int(ctx.settings["portal"]["login_max_failures"])
    variants = ["town_a", "town_a   ", "  TOWN_A", "Town_A\t", "ｔｏｗｎ＿ａ"]
    for i in range(limit):
        r = client.post("/login", data={"username": variants[i % len(variants)],
                                        "password": "bad-bad-bad"})
        assert r.status_code == 401
    for name in variants:
        assert client.post("/login", data={"username": name, "password": PASSWORD}
                           ).status_code == 429
        assert client.post("/api/token", data={"username": name, "password": PASSWORD}
                           ).status_code == 429


def test_username_variants_log_into_the_same_account(client, seed):
    for name in ("  TOWN_A ", "ｔｏｗｎ＿ａ"):
        r = client.post("/login", data={"username": name, "password": PASSWORD},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/queue"


def test_logout_revokes_the_session_server_side(client, seed, ctx):
    from fastapi.testclient import TestClient

    from portal.app import create_app
    from tests.portal.conftest import ORIGIN

    login(client, "town_a")
    stolen = client.cookies.get("shouwang_session")
    assert client.get("/queue").status_code == 200
    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("shouwang_session", stolen)  # the old cookie replayed after logout
    replay = client.get("/queue", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    # a restarted portal still refuses it, and a new login gets a new, working session
    with TestClient(create_app(ctx), base_url=ORIGIN, headers={"Origin": ORIGIN}) as fresh:
        fresh.cookies.set("shouwang_session", stolen)
        assert fresh.get("/queue", follow_redirects=False).status_code == 303
        fresh.cookies.clear()
        login(fresh, "town_a")
        assert fresh.cookies.get("shouwang_session") != stolen
        assert fresh.get("/queue").status_code == 200
