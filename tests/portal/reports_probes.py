"""Isolation probes of the self-report and lead routes, in the shape of tests/portal/
test_isolation.py: ``REPORT_PROBES`` (a township user, ``probe(env)``) and
``REPORT_LOCAL_PROBES`` (village, grid and department users, ``probe(env, name)``), keyed by
(method, path). test_reports_isolation.py runs them; test_isolation.py's PROBES and
LOCAL_PROBES take them in with ``.update(...)``.

The public routes show nobody's data whoever asks; a lead outside the caller's township,
village or grid answers 404 and stores nothing.
"""
from __future__ import annotations

from sqlalchemy import select

from tests.portal.conftest import TOWN_A, TOWN_B
from tests.portal.reports_seed import add_places, solve
from tests.support.warehouse import SyntheticIds
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.models import RiskWarning

OTHER_VILLAGE = "龙河村1"  # in TOWN_A, not the village of test_isolation's village and grid users
LEAD = {"channel": "hotline", "name": "吴大山", "risk_type": "illness", "description": "热线来电"}


def _codes(env) -> set[str]:
    with session_scope(env["ctx"].engine) as s:
        return set(s.scalars(select(RiskWarning.code)))


def _nobody(env, text: str) -> None:
    """No warning code, no plain ID, no reporter's name: what any visitor may see."""
    assert not [c for c in _codes(env) if c in text]
    assert not any(pid in text for pid in env["seed"].plain_ids)
    assert "周小梅" not in text


def _inputs(env, **where) -> list[ChannelInput]:
    with session_scope(env["ctx"].engine) as s:
        rows = s.scalars(select(ChannelInput).filter_by(**where)).all()
        s.expunge_all()
        return rows


def b_receipt(env) -> str:
    """A self-report of TOWN_B filed by the public (the challenge solved), once per env."""
    if "report_b" not in env:
        add_places(env["ctx"])
        ids = SyntheticIds(plain=env["seed"].plain_ids)
        api = env["api"]
        body = {"name": "周小梅", "resident_id": ids.new(seq=990), "phone": "13912349990",
                "township": TOWN_B, "village": "三合村1", "risk_type": "schooling",
                "altcha": solve(api.get("/api/reports/challenge").json())}
        r = api.post("/api/reports", json=body)
        assert r.status_code == 201, r.text
        env["report_b"] = r.json()["receipt"]
    return env["report_b"]


# ------------------------------------------------------------------ a township user (town_a)

def probe_report_page(env):
    r = env["pages"].get("/report", params={"township": TOWN_B, "village": "三合村1"})
    assert r.status_code == 200
    _nobody(env, r.text)


def probe_report_status_page(env):
    r = env["pages"].get("/report/status", params={"receipt": b_receipt(env)})
    assert r.status_code == 200 and "已收到" in r.text
    _nobody(env, r.text)
    assert "三合村1" not in r.text  # not even the place


def probe_report_challenge(env):
    r = env["api"].get("/api/reports/challenge", headers=env["h"])
    assert r.status_code == 200 and set(r.json()) == {"algorithm", "challenge", "maxnumber",
                                                      "salt", "signature"}


def probe_file_report(env):
    before = len(_inputs(env))
    r = env["api"].post("/api/reports", json={"name": "x"}, headers=env["h"])
    assert r.status_code == 403  # no solved challenge: nothing is read, nothing stored
    assert len(_inputs(env)) == before


def probe_report_status_api(env):
    r = env["api"].get(f"/api/reports/{b_receipt(env)}", headers=env["h"])
    assert r.status_code == 200
    assert set(r.json()) == {"receipt", "stage", "status", "received_on"}
    _nobody(env, r.text)
    assert TOWN_B not in r.text


def probe_api_leads(env):
    add_places(env["ctx"])
    r = env["api"].post("/api/leads", json={**LEAD, "township": TOWN_B, "village": "三合村1"},
                        headers=env["h"])
    assert r.status_code == 404 and TOWN_B not in r.text
    assert _inputs(env, submitted_by="town_a", township=TOWN_B) == []


def probe_leads_page(env):
    r = env["pages"].get("/leads/new")
    assert r.status_code == 200 and TOWN_A in r.text and TOWN_B not in r.text
    _nobody(env, r.text)


def probe_leads_post(env):
    add_places(env["ctx"])
    r = env["pages"].post("/leads", data={**LEAD, "township": TOWN_B, "village": "三合村1"})
    assert r.status_code == 404 and "三合村1" not in r.text
    assert _inputs(env, submitted_by="town_a", township=TOWN_B) == []


REPORT_PROBES = {
    ("GET", "/report"): probe_report_page,
    ("GET", "/report/status"): probe_report_status_page,
    ("GET", "/api/reports/challenge"): probe_report_challenge,
    ("POST", "/api/reports"): probe_file_report,
    ("GET", "/api/reports/{receipt}"): probe_report_status_api,
    ("POST", "/api/leads"): probe_api_leads,
    ("GET", "/leads/new"): probe_leads_page,
    ("POST", "/leads"): probe_leads_post,
}


# ------------------------------------------------------------------ village, grid, department

def _bound(env, name: str) -> tuple[str, str, str | None]:
    """(role, village, grid) of a local user."""
    with session_scope(env["ctx"].engine) as s:
        from warehouse.models import User

        user = s.scalar(select(User).where(User.name == name))
        return user.role, user.village, user.grid


def local_public(probe):
    """A public route: the same for everyone."""
    def run(env, name):
        probe(env)
    return run


def local_api_leads(env, name):
    add_places(env["ctx"])
    role, village, grid = _bound(env, name)
    headers = env["local"][name]["h"]
    outside = [(TOWN_A, OTHER_VILLAGE), (TOWN_B, "三合村1")]
    for town, other in outside:
        r = env["api"].post("/api/leads", json={**LEAD, "township": town, "village": other},
                            headers=headers)
        assert r.status_code == (403 if role == "department" else 404)
    assert [r for r in _inputs(env, submitted_by=name) if r.village != village] == []
    r = env["api"].post("/api/leads", json={**LEAD, "channel": "grid", "township": TOWN_A,
                                            "village": village or "龙河村2"}, headers=headers)
    if role == "department":
        assert r.status_code == 403
        return
    assert r.status_code == 201
    row = next(i for i in _inputs(env, receipt=r.json()["receipt"]))
    assert (row.village, row.grid, row.submitted_by) == (village, grid, name)
    if role == "grid":
        _grid_worker_reports_only_for_the_grid(env, name, village)


def _grid_worker_reports_only_for_the_grid(env, name: str, village: str) -> None:
    """A lead naming a roster person of the village outside the grid answers 404 and stores
    nothing; one of the grid's own households is filed."""
    from sqlalchemy import select

    from warehouse.models import Household, Person
    from warehouse.sensitive import RESIDENT_ID, blind_columns

    vault, mine = env["ctx"].vault(), env["local"][name]["households"]
    homes = {}
    with session_scope(env["ctx"].engine) as s:
        for pid in env["seed"].plain_ids:
            index = blind_columns(vault, RESIDENT_ID, "id", pid)["id_index"]
            found = s.execute(select(Household.household_no, Household.village)
                              .join(Person, Person.household_id == Household.id)
                              .where(Person.id_index == index)).first()
            if found:
                homes[pid] = tuple(found)
    neighbour = next(pid for pid, (no, v) in homes.items() if v == village and no not in mine)
    own = next(pid for pid, (no, _) in homes.items() if no in mine)
    headers, before = env["local"][name]["h"], len(_inputs(env, submitted_by=name))
    lead = {**LEAD, "channel": "grid", "township": TOWN_A, "village": village}
    r = env["api"].post("/api/leads", json={**lead, "resident_id": neighbour}, headers=headers)
    assert r.status_code == 404 and neighbour not in r.text
    assert len(_inputs(env, submitted_by=name)) == before
    r = env["api"].post("/api/leads", json={**lead, "resident_id": own}, headers=headers)
    assert r.status_code == 201


def local_leads_page(env, name):
    role, village, _ = _bound(env, name)
    r = env["local"][name]["pages"].get("/leads/new")
    if role == "department":
        assert r.status_code == 403
        return
    assert r.status_code == 200 and f'data-township="{TOWN_A}" selected>{village}<' in r.text
    assert OTHER_VILLAGE not in r.text and TOWN_B not in r.text
    _nobody(env, r.text)


def local_leads_post(env, name):
    add_places(env["ctx"])
    role, _, _ = _bound(env, name)
    r = env["local"][name]["pages"].post("/leads", data={**LEAD, "township": TOWN_A,
                                                         "village": OTHER_VILLAGE})
    assert r.status_code == (403 if role == "department" else 404)
    assert [i for i in _inputs(env, submitted_by=name) if i.village == OTHER_VILLAGE] == []


REPORT_LOCAL_PROBES = {
    ("GET", "/report"): local_public(probe_report_page),
    ("GET", "/report/status"): local_public(probe_report_status_page),
    ("GET", "/api/reports/challenge"): local_public(probe_report_challenge),
    ("POST", "/api/reports"): local_public(probe_file_report),
    ("GET", "/api/reports/{receipt}"): local_public(probe_report_status_api),
    ("POST", "/api/leads"): local_api_leads,
    ("GET", "/leads/new"): local_leads_page,
    ("POST", "/leads"): local_leads_post,
}
