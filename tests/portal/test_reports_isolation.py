"""The self-report and lead routes under test_isolation.py's seeded warehouse (SQLite and
PostgreSQL): a township user, and village, grid and department users, reach nothing outside
their scope (probes in tests/portal/reports_probes.py)."""
from __future__ import annotations

import pytest

from tests.portal.reports_probes import REPORT_LOCAL_PROBES, REPORT_PROBES
from tests.portal.test_isolation import LOCAL_USERS, _app_routes, env  # noqa: F401


def test_every_report_route_has_its_probes(home):
    report_routes = {r for r in _app_routes() if "report" in r[1] or "lead" in r[1]}
    assert report_routes == set(REPORT_PROBES) == set(REPORT_LOCAL_PROBES)


@pytest.mark.parametrize("route", list(REPORT_PROBES), ids=[f"{m} {p}" for m, p in REPORT_PROBES])
def test_township_reaches_no_other_townships_reports(env, route, monkeypatch):  # noqa: F811
    monkeypatch.setenv("SHOUWANG_HOME", str(env["ctx"].home))
    monkeypatch.setenv("SHOUWANG_MASTER_KEY", env["key"])
    REPORT_PROBES[route](env)


@pytest.mark.parametrize("name", list(LOCAL_USERS))
@pytest.mark.parametrize("route", list(REPORT_LOCAL_PROBES),
                         ids=[f"{m} {p}" for m, p in REPORT_LOCAL_PROBES])
def test_village_grid_and_department_leads_stay_in_scope(env, route, name,  # noqa: F811
                                                         monkeypatch):
    monkeypatch.setenv("SHOUWANG_HOME", str(env["ctx"].home))
    monkeypatch.setenv("SHOUWANG_MASTER_KEY", env["key"])
    REPORT_LOCAL_PROBES[route](env, name)
