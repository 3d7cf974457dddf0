"""A township user can never read or change another township's households, via any route.

One probe per route of the app (a test fails when a route is added without one), each run on
SQLite and PostgreSQL against one seeded warehouse per database.
"""
from __future__ import annotations

import base64
import io
import os
import uuid

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.portal.conftest import (ORIGIN, TOWN_A, TOWN_B, login, seed_warehouse, token_for,
                                   write_test_settings)
from warehouse.db import session_scope
from warehouse.models import Link, MatchDecision, VerificationTask, RiskWarning

OUTCOME = {"outcome": "不符合", "verifier1": "李四", "verifier2": "王五", "reason": "越权尝试"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request, tmp_path_factory):
    """A seeded warehouse, an app client, and town_a's API headers and page session."""
    from portal.app import create_app
    from shouwang.context import Context
    from warehouse.db import migrate

    tmp = tmp_path_factory.mktemp("iso")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'warehouse.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"iso_{uuid.uuid4().hex[:10]}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHOUWANG_HOME", str(tmp))
        key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        mp.setenv("SHOUWANG_MASTER_KEY", key)
        mp.delenv("SHOUWANG_CONFIG", raising=False)
        write_test_settings(tmp)
        migrate(url)
        ctx = Context(warehouse=url, home=tmp)
        seed = seed_warehouse(ctx)
        with TestClient(create_app(ctx), base_url=ORIGIN) as api, \
                TestClient(create_app(ctx), base_url=ORIGIN, headers={"Origin": ORIGIN}) as pages:
            login(pages, "town_a")
            yield {"ctx": ctx, "seed": seed, "api": api, "pages": pages,
                   "h": token_for(api, "town_a"), "key": key}
        ctx.engine.dispose()


def _b_codes(env) -> list[str]:
    with session_scope(env["ctx"].engine) as s:
        return list(s.scalars(select(RiskWarning.code).where(RiskWarning.township == TOWN_B)))


def _no_b(env, text: str) -> None:
    assert TOWN_B not in text
    assert not any(code in text for code in _b_codes(env))
    assert not any(pid in text for pid in env["seed"].plain_ids)


def _b_untouched(env) -> None:
    """B's warnings and tasks still as seeded; no decision about B's links was stored."""
    seed = env["seed"]
    with session_scope(env["ctx"].engine) as s:
        ws = s.scalars(select(RiskWarning).where(RiskWarning.township == TOWN_B)).all()
        assert {w.id: w.status for w in ws}[seed.overdue[TOWN_B]] == "open"
        tasks = s.scalars(select(VerificationTask).where(VerificationTask.township == TOWN_B)).all()
        assert all(t.recorded_by is None for t in tasks)
        assert s.get(Link, seed.review_links[TOWN_B]).status == "review"
        assert s.scalars(select(MatchDecision)).all() == []


def probe_login_page(env):
    r = env["pages"].get("/login")
    assert r.status_code == 200
    _no_b(env, r.text)


def probe_login_post(env):
    fresh = env["pages"].post("/login", data={"username": "town_a", "password": "x" * 12})
    assert fresh.status_code == 401
    _no_b(env, fresh.text)


def probe_logout(env):
    with TestClient(env["pages"].app, base_url=ORIGIN, headers={"Origin": ORIGIN}) as other:
        login(other, "town_a")
        r = other.post("/logout", follow_redirects=False)
        assert r.status_code == 303
        assert other.get("/queue", follow_redirects=False).status_code == 303  # back to login


def probe_home(env):
    r = env["pages"].get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"


def probe_queue_page(env):
    for params in ({}, {"township": TOWN_B}, {"status": "all"}):
        r = env["pages"].get("/queue", params=params)
        assert r.status_code == 200 and TOWN_A in r.text
        _no_b(env, r.text)


def probe_queue_xlsx(env):
    r = env["pages"].get("/queue.xlsx", params={"status": "all", "township": TOWN_B})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(env["seed"].warnings[TOWN_A])
    _no_b(env, repr(rows))


def probe_warning_page(env):
    for w in env["seed"].warnings[TOWN_B]:
        r = env["pages"].get(f"/warnings/{env['seed'].code[w]}")
        assert r.status_code == 404
        _no_b(env, r.text)


def probe_outcome_form(env):
    for w in env["seed"].warnings[TOWN_B]:
        r = env["pages"].post(f"/warnings/{env['seed'].code[w]}/outcome", data=OUTCOME)
        assert r.status_code == 404
    _b_untouched(env)


def probe_county(env):
    assert env["pages"].get("/county").status_code == 403


def probe_feeds(env):
    assert env["pages"].get("/feeds").status_code == 403


def probe_review(env):
    r = env["pages"].get("/review")
    assert r.status_code == 403
    _no_b(env, r.text)


def probe_review_decide(env):
    link = env["seed"].review_links[TOWN_B]
    assert env["pages"].post(f"/review/{link}", data={"decision": "accept"}).status_code == 403
    _b_untouched(env)


def probe_api_token(env):
    r = env["api"].post("/api/token", data={"username": "town_a", "password": "x" * 12})
    assert r.status_code == 401


def probe_api_queue(env):
    for params in ({}, {"township": TOWN_B}, {"status": "all"}):
        r = env["api"].get("/api/queue", params=params, headers=env["h"])
        assert r.status_code == 200 and {i["township"] for i in r.json()} == {TOWN_A}
        _no_b(env, r.text)


def probe_api_warning(env):
    for w in env["seed"].warnings[TOWN_B]:
        r = env["api"].get(f"/api/warnings/{env['seed'].code[w]}", headers=env["h"])
        assert r.status_code == 404
        _no_b(env, r.text)


def probe_api_outcome(env):
    for w in env["seed"].warnings[TOWN_B]:
        r = env["api"].post(f"/api/warnings/{env['seed'].code[w]}/outcome", json=OUTCOME, headers=env["h"])
        assert r.status_code == 404
    _b_untouched(env)


def probe_api_feeds(env):
    assert env["api"].get("/api/feeds?period=2026-10", headers=env["h"]).status_code == 403


def probe_openapi(env):
    r = env["api"].get("/openapi.json")
    assert r.status_code == 200
    _no_b(env, r.text)


def probe_docs(env):
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
        r = env["api"].get(path)
        assert r.status_code == 200
        _no_b(env, r.text)


def probe_static(env):
    r = env["api"].get("/static/portal.css")
    assert r.status_code == 200
    _no_b(env, r.text)


PROBES = {
    ("GET", "/login"): probe_login_page,
    ("POST", "/login"): probe_login_post,
    ("POST", "/logout"): probe_logout,
    ("GET", "/"): probe_home,
    ("GET", "/queue"): probe_queue_page,
    ("GET", "/queue.xlsx"): probe_queue_xlsx,
    ("GET", "/warnings/{warning_id}"): probe_warning_page,
    ("POST", "/warnings/{warning_id}/outcome"): probe_outcome_form,
    ("GET", "/county"): probe_county,
    ("GET", "/feeds"): probe_feeds,
    ("GET", "/review"): probe_review,
    ("POST", "/review/{link_id}"): probe_review_decide,
    ("POST", "/api/token"): probe_api_token,
    ("GET", "/api/queue"): probe_api_queue,
    ("GET", "/api/warnings/{warning_id}"): probe_api_warning,
    ("POST", "/api/warnings/{warning_id}/outcome"): probe_api_outcome,
    ("GET", "/api/feeds"): probe_api_feeds,
    ("GET", "/openapi.json"): probe_openapi,
    ("GET", "/docs"): probe_docs,
    ("GET", "/docs/oauth2-redirect"): probe_docs,
    ("GET", "/redoc"): probe_docs,
    ("MOUNT", "/static"): probe_static,
}


def _app_routes() -> set[tuple[str, str]]:
    from starlette.routing import Mount

    from portal.app import create_app
    from shouwang.context import Context

    app = create_app(Context(warehouse="sqlite://", home=Context().home))
    out = set()
    for route in app.routes:
        if isinstance(route, Mount):
            out.add(("MOUNT", route.path))
        else:
            out |= {(m, route.path) for m in route.methods - {"HEAD"}}
    return out


def test_every_route_has_an_isolation_probe(home):
    assert _app_routes() == set(PROBES)


@pytest.mark.parametrize("route", list(PROBES), ids=[f"{m} {p}" for m, p in PROBES])
def test_township_cannot_reach_another_township(env, route, monkeypatch):
    # The per-test home fixture sets a fresh master key; the module's warehouse was sealed
    # with its own, and the vault refuses any other (warehouse.key_registry).
    monkeypatch.setenv("SHOUWANG_HOME", str(env["ctx"].home))
    monkeypatch.setenv("SHOUWANG_MASTER_KEY", env["key"])
    PROBES[route](env)
