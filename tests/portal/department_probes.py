"""Isolation probes of the department routes (issue 19) for tests/portal/test_isolation.py.

``PROBES`` (town_a against 三合街道's warnings) and ``LOCAL_PROBES`` (village, grid and department
users) have the shapes of that module's tables; it adds them with ``PROBES.update(...)`` and
``LOCAL_PROBES.update(...)`` so that every route keeps a probe per role on both databases.
The helpers are read from that module when a probe runs (it imports this one).
"""
from __future__ import annotations

from sqlalchemy import select

from tests.support.pii import find_plaintext
from warehouse.db import session_scope
from warehouse.department_tables import DepartmentCheck

REPLY = {"finding": "越权尝试", "measure": "无", "note": "无"}
ROUTE = {"department": "卫健", "note": "越权尝试"}


def _iso():
    from tests.portal import test_isolation

    return test_isolation


def _b_codes(env) -> list[str]:
    return [env["seed"].code[w] for w in env["seed"].warnings[_iso().TOWN_B]]


def _no_checks_of_b(env) -> None:
    """Nothing was routed or answered in 三合街道."""
    with session_scope(env["ctx"].engine) as s:
        assert s.scalars(select(DepartmentCheck).where(
            DepartmentCheck.township == _iso().TOWN_B)).all() == []


# --- town_a (a township user) ------------------------------------------------------------------

def probe_api_route(env):
    for code in _b_codes(env):
        r = env["api"].post(f"/api/warnings/{code}/route", json=ROUTE, headers=env["h"])
        assert r.status_code == 404
        _iso()._no_b(env, r.text)
    _no_checks_of_b(env)
    _iso()._b_untouched(env)


def probe_route_page(env):
    for code in _b_codes(env):
        r = env["pages"].get(f"/warnings/{code}/route")
        assert r.status_code == 404
        _iso()._no_b(env, r.text)


def probe_route_form(env):
    for code in _b_codes(env):
        r = env["pages"].post(f"/warnings/{code}/route", data=ROUTE)
        assert r.status_code == 404
        _iso()._no_b(env, r.text)
    _no_checks_of_b(env)


def _forbidden_api(method: str, path: str, **kw):
    def probe(env):
        for code in _b_codes(env):
            r = env["api"].request(method, path.format(code=code), headers=env["h"], **kw)
            assert r.status_code == 403
            _iso()._no_b(env, r.text)
    return probe


def _forbidden_page(method: str, path: str, **kw):
    def probe(env):
        for code in _b_codes(env):
            r = env["pages"].request(method, path.format(code=code), **kw)
            assert r.status_code == 403
            _iso()._no_b(env, r.text)
        _no_checks_of_b(env)
    return probe


PROBES = {
    ("POST", "/api/warnings/{warning_id}/route"): probe_api_route,
    ("GET", "/api/department/checks"): _forbidden_api("GET", "/api/department/checks"),
    ("GET", "/api/department/checks/{warning_id}"):
        _forbidden_api("GET", "/api/department/checks/{code}"),
    ("POST", "/api/warnings/{warning_id}/department-reply"):
        _forbidden_api("POST", "/api/warnings/{code}/department-reply", json=REPLY),
    ("GET", "/api/department/returns"):
        _forbidden_api("GET", "/api/department/returns?period=2026-10"),
    ("GET", "/department"): _forbidden_page("GET", "/department"),
    ("GET", "/department/checks/{warning_id}"): _forbidden_page("GET", "/department/checks/{code}"),
    ("POST", "/department/checks/{warning_id}/reply"):
        _forbidden_page("POST", "/department/checks/{code}/reply", data=REPLY),
    ("GET", "/department/returns.xlsx"):
        _forbidden_page("GET", "/department/returns.xlsx?period=2026-10"),
    ("GET", "/warnings/{warning_id}/route"): probe_route_page,
    ("POST", "/warnings/{warning_id}/route"): probe_route_form,
}


# --- village, grid and department users ---------------------------------------------------------

def _all(env) -> list[str]:
    return sorted(_iso()._all_codes(env))


def _local_route(kind: str):
    """Routing is the township's and the county's: every narrower role gets 403."""
    def probe(env, name):
        for code in _all(env):
            if kind == "api":
                r = env["api"].post(f"/api/warnings/{code}/route", json=ROUTE,
                                    headers=env["local"][name]["h"])
            elif kind == "page":
                r = env["local"][name]["pages"].get(f"/warnings/{code}/route")
            else:
                r = env["local"][name]["pages"].post(f"/warnings/{code}/route", data=ROUTE)
            assert r.status_code == 403
            _iso()._only_own(env, name, r.text)
        with session_scope(env["ctx"].engine) as s:
            assert s.scalars(select(DepartmentCheck).where(
                DepartmentCheck.routed_by == name)).all() == []
    return probe


def _local_department(kind: str):
    """A department user meets only what was routed to it (nothing, in this seed): an empty
    queue, 404 for every warning; the village and grid roles get 403."""
    def probe(env, name):
        dept = _iso()._is_department(name)
        h, pages = env["local"][name]["h"], env["local"][name]["pages"]
        if kind in ("api_queue", "page_queue"):
            r = env["api"].get("/api/department/checks?status=all", headers=h) \
                if kind == "api_queue" else pages.get("/department?status=all")
            assert r.status_code == (200 if dept else 403)
            if dept and kind == "api_queue":
                assert r.json() == []
            _iso()._only_own(env, name, r.text)
            return
        for code in _all(env):
            if kind == "api_detail":
                r = env["api"].get(f"/api/department/checks/{code}", headers=h)
            elif kind == "api_reply":
                r = env["api"].post(f"/api/warnings/{code}/department-reply", json=REPLY,
                                    headers=h)
            elif kind == "page_detail":
                r = pages.get(f"/department/checks/{code}")
            else:
                r = pages.post(f"/department/checks/{code}/reply", data=REPLY)
            assert r.status_code == (404 if dept else 403)
            _iso()._only_own(env, name, r.text)
        with session_scope(env["ctx"].engine) as s:
            assert s.scalars(select(DepartmentCheck).where(
                DepartmentCheck.replied_by == name)).all() == []
    return probe


def _local_returns(kind: str):
    """The monthly return is a department's (masked IDs, 户编号 only); others get 403."""
    def probe(env, name, tmp=None):
        r = env["api"].get("/api/department/returns?period=2026-10",
                           headers=env["local"][name]["h"]) if kind == "api" else \
            env["local"][name]["pages"].get("/department/returns.xlsx?period=2026-10")
        if not _iso()._is_department(name):
            assert r.status_code == 403
            return
        assert r.status_code == 200 and r.content[:2] == b"PK"
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "return.xlsx"
            path.write_bytes(r.content)
            assert find_plaintext([path], env["seed"].plain_ids) == []
    return probe


LOCAL_PROBES = {
    ("POST", "/api/warnings/{warning_id}/route"): _local_route("api"),
    ("GET", "/warnings/{warning_id}/route"): _local_route("page"),
    ("POST", "/warnings/{warning_id}/route"): _local_route("form"),
    ("GET", "/api/department/checks"): _local_department("api_queue"),
    ("GET", "/department"): _local_department("page_queue"),
    ("GET", "/api/department/checks/{warning_id}"): _local_department("api_detail"),
    ("POST", "/api/warnings/{warning_id}/department-reply"): _local_department("api_reply"),
    ("GET", "/department/checks/{warning_id}"): _local_department("page_detail"),
    ("POST", "/department/checks/{warning_id}/reply"): _local_department("page_reply"),
    ("GET", "/api/department/returns"): _local_returns("api"),
    ("GET", "/department/returns.xlsx"): _local_returns("page"),
}
