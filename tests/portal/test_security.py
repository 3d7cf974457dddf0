"""Browser protections: CSRF tokens bound to the session, an Origin check on every form POST,
and security headers on every answer (pages, API, static files, error pages)."""
from __future__ import annotations

from tests.portal.conftest import ORIGIN, PASSWORD, TOWN_A, csrf_token, login, token_for

OUTCOME = {"outcome": "调整帮扶", "verifier1": "李四", "verifier2": "王五"}
HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _post_outcome(client, code: str, token: str | None, **headers):
    """The outcome form posted with ``token`` (None: no token at all)."""
    data = dict(OUTCOME, **({"csrf_token": token} if token is not None else {}))
    return client.post(f"/warnings/{code}/outcome", data=data, headers=headers,
                       follow_redirects=False)


def test_form_post_needs_the_session_csrf_token(client, seed, ctx):
    login(client, "town_a")
    token = client.headers.pop("X-CSRF-Token")  # posted as the form field below
    w = seed.overdue[TOWN_A]
    assert _post_outcome(client, seed.code[w], None).status_code == 403
    assert _post_outcome(client, seed.code[w], "").status_code == 403
    assert _post_outcome(client, seed.code[w], token[:-2] + "xx").status_code == 403
    # a token of another session (another user's) is no good either
    from fastapi.testclient import TestClient
    with TestClient(client.app, base_url=ORIGIN, headers={"Origin": ORIGIN}) as other:
        login(other, "admin")
        assert _post_outcome(client, seed.code[w], other.headers["X-CSRF-Token"]).status_code == 403
    r = _post_outcome(client, seed.code[w], token)
    assert r.status_code == 303 and r.headers["location"] == f"/warnings/{seed.code[w]}?saved=1"


def test_review_and_logout_need_the_token_too(client, seed):
    login(client, "admin")
    token = client.headers.pop("X-CSRF-Token")
    link = seed.review_links[TOWN_A]
    assert client.post(f"/review/{link}", data={"decision": "accept"}).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/county").status_code == 200  # still logged in
    assert client.post(f"/review/{link}", data={"decision": "accept", "csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303


def test_cross_site_posts_are_refused(client, seed):
    login(client, "town_a")
    w = seed.overdue[TOWN_A]
    token = client.headers["X-CSRF-Token"]
    evil = {"Origin": "https://evil.example"}
    assert _post_outcome(client, seed.code[w], token, **evil).status_code == 403
    assert _post_outcome(client, seed.code[w], token, Origin="null").status_code == 403
    assert _post_outcome(client, seed.code[w], token, Origin="http://testserver.evil.example"
                         ).status_code == 403
    r = client.post("/login", data={"username": "town_b", "password": PASSWORD}, headers=evil,
                    follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    del client.headers["Origin"]  # no Origin: the Referer must then be the portal's own
    assert _post_outcome(client, seed.code[w], token).status_code == 403
    assert _post_outcome(client, seed.code[w], token, Referer="https://evil.example/x").status_code == 403
    r = _post_outcome(client, seed.code[w], token, Referer=f"{ORIGIN}/warnings/{seed.code[w]}")
    assert r.status_code == 303


def test_bearer_api_is_not_subject_to_origin_or_csrf(client, seed):
    h = token_for(client, "town_a")
    r = client.post(f"/api/warnings/{seed.code[seed.overdue[TOWN_A]]}/outcome", json=OUTCOME,
                    headers={**h, "Origin": "https://evil.example"})
    assert r.status_code == 200


def _assert_headers(r) -> None:
    for name, value in HEADERS.items():
        assert name in r.headers, (r.request.url, r.status_code, name)
        assert r.headers[name].startswith(value), (r.request.url, name, r.headers[name])


def test_security_headers_on_pages_api_static_and_errors(client, seed):
    for path in ("/login", "/static/portal.css", "/openapi.json", "/docs", "/no-such-page",
                 "/api/queue", "/warnings/1"):  # 401 API, redirect to login
        _assert_headers(client.get(path, follow_redirects=False))
    login(client, "town_a")
    for path in ("/queue", f"/warnings/{seed.code[seed.overdue[TOWN_A]]}", "/county",  # 403 page
                 "/warnings/2147483647",  # 404 page
                 "/queue?due_before=x"):  # 422 page
        _assert_headers(client.get(path))
    _assert_headers(client.post("/login", data={"username": "x", "password": "y"}))  # 401
    _assert_headers(client.post("/logout", headers={"Origin": "https://evil.example"}))  # 403
    _assert_headers(client.get("/api/queue", headers=token_for(client, "town_a")))


def test_pages_need_no_inline_script_or_style(client, seed):
    """The CSP forbids inline code, so no page may rely on it."""
    login(client, "admin")
    for path in ("/login", "/county", "/review", "/feeds", "/queue",
                 f"/warnings/{seed.code[seed.overdue[TOWN_A]]}"):
        page = client.get(path).text.lower()
        assert "<script" not in page and "style=" not in page and "<style" not in page
        assert " on" + "click=" not in page


def test_csrf_token_is_per_session(client, seed):
    login(client, "town_a")
    first = csrf_token(client)
    client.post("/logout", follow_redirects=False)
    login(client, "town_a")
    assert csrf_token(client) != first


def test_public_origin_admits_a_proxy_that_rewrites_host(ctx, seed, tmp_path, monkeypatch):
    """Behind a proxy passing Host 127.0.0.1:8000, the browser's Origin is the public name."""
    import yaml
    from fastapi.testclient import TestClient

    from portal.app import create_app
    from tests.portal.conftest import FAST_ARGON2

    public = "https://shouwang.example.gov.cn"
    county = tmp_path / "proxied.yaml"  # a file of its own: settings are cached per path
    county.write_text(yaml.safe_dump(
        {"portal": {"argon2": FAST_ARGON2, "public_origins": [public]}}), encoding="utf-8")
    monkeypatch.setenv("SHOUWANG_CONFIG", str(county))
    from shouwang.context import Context

    configured = Context(warehouse=ctx.warehouse, home=ctx.home)
    with TestClient(create_app(configured), base_url="https://127.0.0.1:8000") as c:
        form = {"username": "town_a", "password": PASSWORD}
        assert c.post("/login", data=form, headers={"Origin": public},
                      follow_redirects=False).status_code == 303
        assert c.post("/login", data=form, headers={"Origin": "https://evil.example"},
                      follow_redirects=False).status_code == 403
    configured.engine.dispose()
