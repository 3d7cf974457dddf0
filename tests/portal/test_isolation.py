"""A township user can never read or change another township's households, via any route; a
village user sees only its village, a grid worker only its grid's households, and a department
user nothing of these routes.

One probe per route of the app and per role (a test fails when a route is added without one),
each run on SQLite and PostgreSQL against one seeded warehouse per database.
"""
from __future__ import annotations

import base64
import io
import os
import uuid
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.portal.conftest import (ORIGIN, TOWN_A, TOWN_B, login, seed_warehouse, token_for,
                                   write_test_settings)
from portal.auth import Passwords, add_user
from tests.portal import department_probes, reports_probes
from tests.portal.conftest import PASSWORD
from tests.portal.grids_support import load_seed_grids
from warehouse.db import session_scope
from warehouse.models import Household, Link, MatchDecision, VerificationTask, RiskWarning

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
        local = seed_local(ctx, seed, tmp)
        with TestClient(create_app(ctx), base_url=ORIGIN) as api, \
                TestClient(create_app(ctx), base_url=ORIGIN, headers={"Origin": ORIGIN}) as pages, \
                ExitStack() as stack:
            login(pages, "town_a")
            for name in LOCAL_USERS:
                client = stack.enter_context(
                    TestClient(create_app(ctx), base_url=ORIGIN, headers={"Origin": ORIGIN}))
                local_login(client, name)
                local[name]["pages"], local[name]["h"] = client, token_for(api, name)
            yield {"ctx": ctx, "seed": seed, "api": api, "pages": pages,
                   "h": token_for(api, "town_a"), "key": key, "local": local}
        ctx.engine.dispose()


# The narrower roles: name -> (role, what add_user binds). Villages of the seed: TOWN_A's
# households 1 and 3 live in 龙河村2, household 2 in 龙河村1 (tests/portal/conftest.py).
LOCAL_USERS = {
    "village_a": ("village", {"township": TOWN_A, "village": "龙河村2"}),
    "grid_a": ("grid", {"township": TOWN_A, "village": "龙河村2", "grid": "一网格"}),
    "dept": ("department", {"department": "民政"}),
}


def local_login(client: TestClient, name: str) -> None:
    """Log in through the form and send the session's CSRF token with later requests. The
    token is the portal's own for this session (a department user has no page with a form)."""
    r = client.post("/login", data={"username": name, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    portal = client.app.state.portal
    cookie = client.cookies.get(portal.cfg["session_cookie"])
    _, session_id = portal.signer.read_session(cookie, int(portal.cfg["session_max_age_seconds"]))
    client.headers["X-CSRF-Token"] = portal.signer.csrf_token(session_id)


def seed_local(ctx, seed, tmp) -> dict[str, dict]:
    """A grid ledger for every seeded household (龙河村2 split in 一网格 / 二网格, loaded with
    `grids load`) and the LOCAL_USERS accounts; name -> {"allowed": codes it may see}."""
    first = seed.households[TOWN_A]
    load_seed_grids(ctx, tmp, lambda hid, town, village: "二网格" if (town, village) == (
        TOWN_A, "龙河村2") and hid != first else "一网格")
    with session_scope(ctx.engine) as s:
        for name, (role, bound) in LOCAL_USERS.items():
            add_user(s, Passwords.from_settings(ctx.settings), name, role, bound.get("township"),
                     PASSWORD, 8, village=bound.get("village"), grid=bound.get("grid"),
                     department=bound.get("department"))
        in_village = [w.code for w in s.scalars(select(RiskWarning).where(
            RiskWarning.township == TOWN_A, RiskWarning.village == "龙河村2"))]
        in_grid = [w.code for w in s.scalars(select(RiskWarning).where(
            RiskWarning.household_id == first))]
        village_households = set(s.scalars(select(Household.household_no).where(
            Household.township == TOWN_A, Household.village == "龙河村2")))
        grid_households = {s.get(Household, first).household_no}
    assert len(in_village) == 2 and len(in_grid) == 1
    return {"village_a": {"allowed": set(in_village), "households": village_households},
            "grid_a": {"allowed": set(in_grid), "households": grid_households},
            "dept": {"allowed": set(), "households": set()}}


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


# --- village, grid and department users ----------------------------------------------------

def _all_codes(env) -> set[str]:
    with session_scope(env["ctx"].engine) as s:
        return set(s.scalars(select(RiskWarning.code)))


def _only_own(env, name: str, text: str) -> None:
    """Nothing outside ``name``'s village or grid: no other warning's code, no other township,
    no plain ID."""
    outside = _all_codes(env) - env["local"][name]["allowed"]
    assert not [c for c in outside if c in text], f"{name} sees warnings outside its scope"
    assert TOWN_B not in text
    assert not any(pid in text for pid in env["seed"].plain_ids)


def _nothing_changed(env) -> None:
    """No outcome was recorded anywhere; B as seeded."""
    _b_untouched(env)
    with session_scope(env["ctx"].engine) as s:
        assert [t.recorded_by for t in s.scalars(select(VerificationTask))
                if t.recorded_by] == []


def _is_department(name: str) -> bool:
    return LOCAL_USERS[name][0] == "department"


def local_login_page(env, name):
    r = env["local"][name]["pages"].get("/login")
    assert r.status_code == 200
    _only_own(env, name, r.text)


def local_login_post(env, name):
    r = env["local"][name]["pages"].post("/login", data={"username": name, "password": "x" * 12})
    assert r.status_code == 401
    _only_own(env, name, r.text)


def local_logout(env, name):
    with TestClient(env["pages"].app, base_url=ORIGIN, headers={"Origin": ORIGIN}) as other:
        local_login(other, name)
        assert other.post("/logout", follow_redirects=False).status_code == 303
        assert other.get("/queue", follow_redirects=False).status_code == 303


def local_home(env, name):
    r = env["local"][name]["pages"].get("/", follow_redirects=False)
    assert r.status_code == 303
    _only_own(env, name, r.text)


def local_queue_page(env, name):
    pages = env["local"][name]["pages"]
    for params in ({}, {"township": TOWN_B}, {"status": "all"}, {"village": "龙河村1"}):
        r = pages.get("/queue", params=params)
        if _is_department(name):
            assert r.status_code == 403
            continue
        assert r.status_code == 200
        _only_own(env, name, r.text)
    if not _is_department(name):
        r = pages.get("/queue", params={"status": "all"})
        assert all(code in r.text for code in env["local"][name]["allowed"])


def local_queue_xlsx(env, name):
    r = env["local"][name]["pages"].get("/queue.xlsx", params={"status": "all", "township": TOWN_B})
    if _is_department(name):
        assert r.status_code == 403
        return
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == env["local"][name]["allowed"]
    _only_own(env, name, repr(rows))


def local_warning_page(env, name):
    pages, allowed = env["local"][name]["pages"], env["local"][name]["allowed"]
    for code in sorted(_all_codes(env)):
        r = pages.get(f"/warnings/{code}")
        if _is_department(name):
            assert r.status_code == 403
        elif code in allowed:
            assert r.status_code == 200 and code in r.text
        else:
            assert r.status_code == 404
        _only_own(env, name, r.text)


def local_outcome_form(env, name):
    # Village cadres and grid workers see their households; recording 核实结果 stays the
    # township's (两人同行 by township staff) and the county admin's.
    for code in sorted(_all_codes(env)):
        r = env["local"][name]["pages"].post(f"/warnings/{code}/outcome", data=OUTCOME)
        assert r.status_code in (403, 404)
        _only_own(env, name, r.text)
    _nothing_changed(env)


def local_forbidden_page(path: str):
    def probe(env, name):
        r = env["local"][name]["pages"].get(path)
        assert r.status_code == 403
        _only_own(env, name, r.text)
    return probe


def local_review_decide(env, name):
    for link in env["seed"].review_links.values():
        r = env["local"][name]["pages"].post(f"/review/{link}", data={"decision": "accept"})
        assert r.status_code == 403
    _nothing_changed(env)


def local_api_token(env, name):
    r = env["api"].post("/api/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200 and "access_token" in r.json()


def local_api_queue(env, name):
    for params in ({}, {"township": TOWN_B}, {"status": "all"}, {"village": "龙河村1"}):
        r = env["api"].get("/api/queue", params=params, headers=env["local"][name]["h"])
        if _is_department(name):
            assert r.status_code == 403
            continue
        assert r.status_code == 200
        assert {i["warning_id"] for i in r.json()} <= env["local"][name]["allowed"]
        _only_own(env, name, r.text)


def local_api_warning(env, name):
    allowed = env["local"][name]["allowed"]
    for code in sorted(_all_codes(env)):
        r = env["api"].get(f"/api/warnings/{code}", headers=env["local"][name]["h"])
        if _is_department(name):
            assert r.status_code == 403
        elif code in allowed:
            assert r.status_code == 200 and r.json()["warning_id"] == code
        else:
            assert r.status_code == 404
        _only_own(env, name, r.text)


def local_api_outcome(env, name):
    for code in sorted(_all_codes(env)):
        r = env["api"].post(f"/api/warnings/{code}/outcome", json=OUTCOME,
                            headers=env["local"][name]["h"])
        assert r.status_code in (403, 404)
    _nothing_changed(env)


def local_api_feeds(env, name):
    r = env["api"].get("/api/feeds?period=2026-10", headers=env["local"][name]["h"])
    assert r.status_code == 403


def local_public(probe):
    def run(env, name):
        probe(env)  # no account needed: the same for everyone
    return run


LOCAL_PROBES = {
    ("GET", "/login"): local_login_page,
    ("POST", "/login"): local_login_post,
    ("POST", "/logout"): local_logout,
    ("GET", "/"): local_home,
    ("GET", "/queue"): local_queue_page,
    ("GET", "/queue.xlsx"): local_queue_xlsx,
    ("GET", "/warnings/{warning_id}"): local_warning_page,
    ("POST", "/warnings/{warning_id}/outcome"): local_outcome_form,
    ("GET", "/county"): local_forbidden_page("/county"),
    ("GET", "/feeds"): local_forbidden_page("/feeds"),
    ("GET", "/review"): local_forbidden_page("/review"),
    ("POST", "/review/{link_id}"): local_review_decide,
    ("POST", "/api/token"): local_api_token,
    ("GET", "/api/queue"): local_api_queue,
    ("GET", "/api/warnings/{warning_id}"): local_api_warning,
    ("POST", "/api/warnings/{warning_id}/outcome"): local_api_outcome,
    ("GET", "/api/feeds"): local_api_feeds,
    ("GET", "/openapi.json"): local_public(probe_openapi),
    ("GET", "/docs"): local_public(probe_docs),
    ("GET", "/docs/oauth2-redirect"): local_public(probe_docs),
    ("GET", "/redoc"): local_public(probe_docs),
    ("MOUNT", "/static"): local_public(probe_static),
}


# --- the loop's, the channels' and the departments' routes (issues 16, 17, 19) -------------
# One generic probe per route, for the township user and the three narrower roles alike: a
# warning outside the caller's scope answers 403 or 404 and changes nothing; a list or page
# names no warning, township or ID outside it. What each role may do inside its scope is
# tested beside each route's own tests.

def _caller(env, who: str):
    """(page client, API headers, codes outside the scope) of ``who``."""
    if who == "town_a":
        return env["pages"], env["h"], set(_b_codes(env))
    return (env["local"][who]["pages"], env["local"][who]["h"],
            _all_codes(env) - env["local"][who]["allowed"])


def _no_leak(env, who: str, outside: set[str], text: str) -> None:
    assert not [c for c in outside if c in text], f"{who} sees warnings outside its scope"
    assert TOWN_B not in text
    assert not any(pid in text for pid in env["seed"].plain_ids)


def _state(env) -> tuple[dict, dict]:
    """Row counts of every table but the audit log and every warning's status: what a refused
    request must leave as it was."""
    from sqlalchemy import func

    from warehouse.models import Base

    with env["ctx"].engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                  for t in Base.metadata.sorted_tables if t.name != "audit_log"}
        statuses = dict(conn.execute(select(RiskWarning.code, RiskWarning.status)).all())
    return counts, statuses


def _text(r) -> str:
    """What an answer shows: its text, or the cells of a workbook."""
    if r.headers.get("content-type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(r.content))
        return repr([list(ws.iter_rows(values_only=True)) for ws in book.worksheets])
    return r.text


TODAY = "2026-10-20"
# route -> (how the body is sent, the body) for the routes that name a warning.
ON_A_WARNING = {
    ("POST", "/api/warnings/{warning_id}/closure"): ("json", {"decision": "confirm", "reason": "越权尝试"}),
    ("POST", "/warnings/{warning_id}/closure"): ("data", {"decision": "confirm", "reason": "越权尝试"}),
    ("POST", "/api/warnings/{warning_id}/identification"): ("json", {"step": "pledge", "date": TODAY}),
    ("POST", "/warnings/{warning_id}/identification"): ("data", {"step": "pledge", "date": TODAY}),
    ("POST", "/api/warnings/{warning_id}/route"): ("json", {"department": "health", "note": "越权尝试"}),
    ("POST", "/warnings/{warning_id}/route"): ("data", {"department": "health", "note": "越权尝试"}),
    ("GET", "/warnings/{warning_id}/route"): (None, None),
    ("POST", "/api/warnings/{warning_id}/department-reply"): ("json", {"finding": "越权尝试"}),
    ("POST", "/department/checks/{warning_id}/reply"): ("data", {"finding": "越权尝试"}),
    ("GET", "/api/department/checks/{warning_id}"): (None, None),
    ("GET", "/department/checks/{warning_id}"): (None, None),
}
# Lists and pages that name no warning in their path, with their query.
LISTS = {
    ("GET", "/api/department/checks"): {"status": "all"},
    ("GET", "/api/department/returns"): {"period": "2026-10"},
    ("GET", "/department"): {"status": "all"},
    ("GET", "/department/returns.xlsx"): {"period": "2026-10"},
    ("GET", "/api/notifications"): {},
    ("GET", "/notifications"): {},
    ("GET", "/verification"): {},
    ("GET", "/leads/new"): {},
    ("GET", "/report"): {"township": TOWN_B},
    ("GET", "/report/status"): {"receipt": "R0000000000"},
    ("GET", "/api/reports/challenge"): {},
    ("GET", "/api/reports/{receipt}"): {},
    # the help loop's assistance list (帮扶清单) and county view (issue 18), asked for another township
    ("GET", "/assistance"): {"township": TOWN_B},
    ("GET", "/assistance.xlsx"): {"township": TOWN_B},
    ("GET", "/api/assistance"): {"township": TOWN_B},
    ("GET", "/county/help"): {},
    ("GET", "/api/county/help"): {},
}
LEAD = {"channel": "hotline", "name": "越权", "township": TOWN_B, "village": "三合村1",
        "risk_type": "illness", "description": "越权尝试"}
# Filing for a place outside the scope is refused and stores nothing.
FILINGS = {("POST", "/api/leads"): "json", ("POST", "/leads"): "data"}


def scope_probe(route):
    """The generic probe of ``route`` for caller ``who``."""
    method, path = route

    def probe(env, who="town_a"):
        pages, h, outside = _caller(env, who)
        api = path.startswith("/api/")
        client, headers = (env["api"], h) if api else (pages, {})
        if route in ON_A_WARNING:
            how, body = ON_A_WARNING[route]
            before = _state(env)
            for code in sorted(outside):
                kw = {how: body} if how else {}
                r = client.request(method, path.replace("{warning_id}", code), headers=headers,
                                   follow_redirects=False, **kw)
                assert r.status_code in (403, 404), (who, code, r.status_code, r.text[:200])
                _no_leak(env, who, outside, r.text)
            assert _state(env) == before
        elif route in LISTS:
            url = path.replace("{receipt}", "R0000000000")
            r = client.get(url, params=LISTS[route], headers=headers, follow_redirects=False)
            assert r.status_code < 500
            _no_leak(env, who, outside, _text(r))
        elif route in FILINGS:
            before = _state(env)
            r = client.request(method, path, headers=headers, follow_redirects=False,
                               **{FILINGS[route]: LEAD})
            assert r.status_code in (403, 404, 422), (who, r.status_code, r.text[:200])
            assert _state(env) == before
        else:  # POST /api/reports: public, the self-report of anyone
            r = env["api"].post(path, json={**LEAD, "resident_id": "", "phone": ""})
            assert r.status_code < 500
            _no_leak(env, who, outside, r.text)
    return probe


# The help loop's household routes (issue 18): a household outside the scope answers 403 or
# 404, echoes nothing and changes no row.
ON_A_HOUSEHOLD = {
    ("GET", "/api/households/{household_no}"): (None, None),
    ("GET", "/households/{household_no}"): (None, None),
    ("POST", "/api/households/{household_no}/contact"): ("json", {"cadre": "越权", "phone": "13700000009"}),
    ("POST", "/households/{household_no}/contact"): ("data", {"cadre": "越权", "phone": "13700000009"}),
    ("POST", "/api/households/{household_no}/measures"): ("json", {"policy": "越权", "start_date": TODAY}),
    ("POST", "/households/{household_no}/measures"): ("data", {"policy": "越权", "start_date": TODAY}),
    ("POST", "/api/households/{household_no}/plan"): ("json", {"decision": "approve"}),
    ("POST", "/households/{household_no}/plan"): ("data", {"decision": "approve"}),
    ("POST", "/api/households/{household_no}/visits"): ("json", {"mode": "visit", "date": TODAY}),
    ("POST", "/households/{household_no}/visits"): ("data", {"mode": "visit", "date": TODAY}),
    ("POST", "/api/households/{household_no}/elimination"): ("json", {"step": "review", "date": TODAY, "result": "pass"}),
    ("POST", "/households/{household_no}/elimination"): ("data", {"step": "review", "date": TODAY, "result": "pass"}),
}


def household_probe(route):
    """The generic probe of a household route for caller ``who``."""
    method, path = route
    how, body = ON_A_HOUSEHOLD[route]

    def probe(env, who="town_a"):
        pages, h, outside_codes = _caller(env, who)
        with session_scope(env["ctx"].engine) as s:
            numbers = set(s.scalars(select(Household.household_no)))
            b_numbers = set(s.scalars(select(Household.household_no).where(
                Household.township == TOWN_B)))
        outside = b_numbers if who == "town_a" else numbers - env["local"][who]["households"]
        client, headers = (env["api"], h) if path.startswith("/api/") else (pages, {})
        before = _state(env)
        for number in sorted(outside):
            kw = {how: body} if how else {}
            r = client.request(method, path.replace("{household_no}", number), headers=headers,
                               follow_redirects=False, **kw)
            assert r.status_code in (403, 404), (who, number, r.status_code, r.text[:200])
            _no_leak(env, who, outside_codes | outside, r.text)
        assert _state(env) == before
    return probe


for _route in ON_A_HOUSEHOLD:
    PROBES.setdefault(_route, household_probe(_route))
    LOCAL_PROBES.setdefault(_route, household_probe(_route))


# The departments' and the channels' own probes (tests/portal/department_probes.py,
# reports_probes.py) know what their routes do inside the scope too: they take precedence; the
# generic probe covers the routes that have none.
PROBES.update(department_probes.PROBES)
PROBES.update(reports_probes.REPORT_PROBES)
LOCAL_PROBES.update(department_probes.LOCAL_PROBES)
LOCAL_PROBES.update(reports_probes.REPORT_LOCAL_PROBES)
for _route in (*ON_A_WARNING, *LISTS, *FILINGS, ("POST", "/api/reports")):
    PROBES.setdefault(_route, scope_probe(_route))
    LOCAL_PROBES.setdefault(_route, scope_probe(_route))


def test_every_route_has_a_probe_for_the_narrower_roles():
    assert set(LOCAL_PROBES) == set(PROBES)


@pytest.mark.parametrize("name", list(LOCAL_USERS))
@pytest.mark.parametrize("route", list(LOCAL_PROBES), ids=[f"{m} {p}" for m, p in LOCAL_PROBES])
def test_village_grid_and_department_see_only_their_own(env, route, name, monkeypatch):
    monkeypatch.setenv("SHOUWANG_HOME", str(env["ctx"].home))
    monkeypatch.setenv("SHOUWANG_MASTER_KEY", env["key"])
    LOCAL_PROBES[route](env, name)


def test_household_scope_narrows_like_warning_scope(ctx, seed, tmp_path):
    """The household filter other routes use (leads, notifications): a village user gets its
    village's households, a grid worker its grid's, a department user none."""
    from portal.principal import Principal
    from warehouse.models import Household

    first = seed.households[TOWN_A]
    load_seed_grids(ctx, tmp_path, lambda hid, town, village: "二网格" if (town, village) == (
        TOWN_A, "龙河村2") and hid != first else "一网格")
    people = {
        "county": Principal(1, "c", "county_admin"),
        "township": Principal(2, "t", "township", TOWN_A),
        "village": Principal(3, "v", "village", TOWN_A, village="龙河村2"),
        "grid": Principal(4, "g", "grid", TOWN_A, village="龙河村2", grid="一网格"),
        "grid_elsewhere": Principal(5, "g2", "grid", TOWN_A, village="龙河村1", grid="二网格"),
        "department": Principal(6, "d", "department", department="civil_affairs"),
        "unbound_village": Principal(7, "u", "village", TOWN_A),
    }
    with session_scope(ctx.engine) as s:
        everyone = dict(s.execute(select(Household.id, Household.village)).all())
        seen = {who: set(s.scalars(select(Household.id).where(p.household_scope(Household.id))))
                for who, p in people.items()}
        warned = {who: {w.household_id for w in s.scalars(select(RiskWarning).where(p.warning_scope()))}
                  for who, p in people.items()}
    town_a = {h for h, v in everyone.items() if v.startswith(TOWN_A[:2])}  # 龙河村1, 龙河村2
    assert seen["county"] == set(everyone) and seen["township"] == town_a
    assert seen["village"] == {h for h in town_a if everyone[h] == "龙河村2"}
    assert seen["grid"] == {first}
    assert seen["grid_elsewhere"] == seen["department"] == seen["unbound_village"] == set()
    for who in people:  # no warning of a household outside the scope
        assert warned[who] <= seen[who]
    assert warned["grid"] == {first} and warned["village"] == seen["village"]
    assert people["village"].rls_township == TOWN_A and people["department"].rls_township == ""
    assert people["grid"].scope_label == f"{TOWN_A}龙河村2一网格"
