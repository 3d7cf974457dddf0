"""Department accounts on both databases (PostgreSQL under the portal role and its row policies):
routing (归口核查) by a township or the county, a department's queue, detail and reply, its
pages on a phone-sized form, its monthly return; and what every other role gets on each route."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from screening import routing
from tests.portal.conftest import PASSWORD, TOWN_A, TOWN_B, _password_hash, token_for
from tests.portal.test_browser import browser  # noqa: F401 - the real-browser fixture
from tests.support.pii import find_plaintext
from tests.support.warehouse import building
from warehouse.audit import record as audit
from warehouse.db import session_scope
from warehouse.department_tables import DepartmentCheck
from warehouse.models import AuditLog, RiskWarning, User, WarningHistory
from warehouse.notification_tables import Notification

DEPARTMENTS = {"dept_health": "health", "dept_edu": "education"}
OTHER_ROLES = ("town_a", "town_b", "admin", "analyst", "engineer")


@pytest.fixture
def depts(ctx, seed):
    """Two department accounts (health, education) beside the seeded townships' users."""
    with building(ctx, seal=False) as b:
        for name, department in DEPARTMENTS.items():
            b.add(User(name=name, role="department", department=department,
                       password_hash=_password_hash()))
    return seed


def _route(client, who: str, code: str, department: str = "卫健", note: str = "请入户核实"):
    return client.post(f"/api/warnings/{code}/route", headers=token_for(client, who),
                       json={"department": department, "note": note})


def test_a_township_routes_its_own_warning_and_the_county_any(client, depts):
    a_open, b_open = (depts.code[depts.overdue[t]] for t in (TOWN_A, TOWN_B))
    r = _route(client, "town_a", a_open)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["warning_id"], body["department"], body["department_label"], body["status"]) \
        == (a_open, "health", "卫健", "routed")
    assert dt.date.fromisoformat(body["due_on"]) > dt.date.today()
    assert _route(client, "town_a", b_open).status_code == 404  # another township's: absent
    assert _route(client, "admin", b_open, "医保").status_code == 201
    for who in ("analyst", "engineer", "dept_health"):
        assert _route(client, who, b_open, "卫健").status_code == 403, who
    again = _route(client, "town_a", a_open)
    assert again.status_code == 409 and "尚未答复" in again.json()["detail"]
    wrong = _route(client, "town_a", a_open, "教育")
    assert wrong.status_code == 422 and "卫健、医保" in wrong.json()["detail"]


def test_a_department_sees_only_what_was_routed_to_it(client, depts, ctx):
    routed = depts.code[depts.overdue[TOWN_A]]
    unrouted = depts.code[depts.warnings[TOWN_A][1]]
    assert _route(client, "town_a", routed).status_code == 201
    health, edu = token_for(client, "dept_health"), token_for(client, "dept_edu")

    queue = client.get("/api/department/checks", headers=health).json()
    assert [(i["warning_id"], i["township"], i["risk_label"], i["status"]) for i in queue] == \
        [(routed, TOWN_A, "因病", "routed")]
    assert client.get("/api/department/checks", headers=edu).json() == []

    detail = client.get(f"/api/department/checks/{routed}", headers=health)
    assert detail.status_code == 200, detail.text
    d = detail.json()
    assert d["household_no"] and d["note"] == "请入户核实" and d["evidence"][0]["source"]
    assert all(re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", m["id_masked"]) for m in d["members"])
    assert not any(pid in detail.text for pid in depts.plain_ids)
    for who, code in ((health, unrouted), (edu, routed), (health, "W2026-10-99999")):
        r = client.get(f"/api/department/checks/{code}", headers=who)
        assert r.status_code == 404 and code not in r.text
    # The township's and the county's own routes stay closed to a department user.
    for path in ("/api/queue", f"/api/warnings/{routed}", "/api/feeds?period=2026-10"):
        assert client.get(path, headers=health).status_code in (403, 404), path
    # A department's endpoints are closed to every other role.
    for who in OTHER_ROLES:
        h = token_for(client, who)
        assert client.get("/api/department/checks", headers=h).status_code == 403, who
        assert client.get(f"/api/department/checks/{routed}", headers=h).status_code == 403
        r = client.post(f"/api/warnings/{routed}/department-reply", headers=h,
                        json={"finding": "x"})
        assert r.status_code == 403, who
        assert client.get("/api/department/returns?period=2026-10",
                          headers=h).status_code == 403, who
    with session_scope(ctx.engine) as s:
        views = s.scalars(select(AuditLog).where(AuditLog.actor == "dept_health",
                                                 AuditLog.action == "view_household")).all()
        assert [v.object_id for v in views] == [routed]


def test_the_reply_is_history_a_notice_and_stops_the_clock(client, depts, ctx):
    code = depts.code[depts.overdue[TOWN_A]]
    assert _route(client, "town_a", code).status_code == 201
    health, edu = token_for(client, "dept_health"), token_for(client, "dept_edu")
    assert client.post(f"/api/warnings/{code}/department-reply", headers=edu,
                       json={"finding": "x"}).status_code == 404
    blank = client.post(f"/api/warnings/{code}/department-reply", headers=health,
                        json={"finding": "  "})
    assert blank.status_code == 422 and "核查情况" in blank.json()["detail"]
    r = client.post(f"/api/warnings/{code}/department-reply", headers=health,
                    json={"finding": "已入户，病情属实", "measure": "纳入大病救助", "note": "无"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["finding"], r.json()["measure"]) == \
        ("replied", "已入户，病情属实", "纳入大病救助")
    again = client.post(f"/api/warnings/{code}/department-reply", headers=health,
                        json={"finding": "again"})
    assert again.status_code == 409
    wid = depts.overdue[TOWN_A]
    with session_scope(ctx.engine) as s:
        kinds = list(s.scalars(select(WarningHistory.kind).where(
            WarningHistory.warning_id == wid).order_by(WarningHistory.id)))
        assert kinds[-2:] == ["routed", "department_replied"]
        notes = s.execute(select(Notification.kind, Notification.audience, Notification.township)
                          .where(Notification.warning_id == wid).order_by(Notification.id)).all()
        assert notes == [("routed", "department", TOWN_A),
                         ("department_replied", "township", TOWN_A)]
        assert [c.stopped_on is not None for c in routing.clocks.clocks_of(s, wid)
                if c.clock == "department_reply"] == [True]
    assert client.get("/api/department/checks", headers=health).json() == []
    done = client.get("/api/department/checks?status=replied", headers=health).json()
    assert [i["warning_id"] for i in done] == [code]


def test_an_overdue_check_comes_first_and_is_marked(client, depts, ctx):
    late, fresh = depts.code[depts.overdue[TOWN_B]], depts.code[depts.overdue[TOWN_A]]
    with session_scope(ctx.engine) as s:  # routed three weeks ago: past its 5 working days
        w = s.scalar(select(RiskWarning).where(RiskWarning.code == late))
        routing.route(s, w, "health", None, "town_b", dt.date.today() - dt.timedelta(days=21),
                      ctx.settings, ctx.home)
    assert _route(client, "town_a", fresh).status_code == 201
    queue = client.get("/api/department/checks", headers=token_for(client, "dept_health")).json()
    assert [(i["warning_id"], i["overdue"]) for i in queue] == [(late, True), (fresh, False)]


def _login_department(client, name: str) -> str:
    r = client.post("/login", data={"username": name, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/department")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.headers["X-CSRF-Token"] = token
    return token


def test_department_pages_queue_detail_and_reply_form(client, depts, ctx):
    code = depts.code[depts.overdue[TOWN_A]]
    assert _route(client, "town_a", code).status_code == 201
    _login_department(client, "dept_health")
    page = client.get("/department").text
    assert code in page and "归口核查 · 卫健" in page and "请入户核实" in page
    detail = client.get(f"/department/checks/{code}")
    assert detail.status_code == 200 and "提交答复" in detail.text and "********" in detail.text
    assert not any(pid in detail.text for pid in depts.plain_ids)
    other = depts.code[depts.warnings[TOWN_A][1]]
    assert client.get(f"/department/checks/{other}").status_code == 404
    bad = client.post(f"/department/checks/{code}/reply", data={"finding": "", "measure": "m"})
    assert bad.status_code == 422 and "请填写核查情况" in bad.text and ">m</textarea>" in bad.text
    ok = client.post(f"/department/checks/{code}/reply",
                     data={"finding": "属实", "measure": "医疗救助"})
    assert ok.status_code == 200 and "答复已提交" in ok.text and "属实；措施：医疗救助" in ok.text
    client.headers.pop("X-CSRF-Token")
    forged = client.post(f"/department/checks/{code}/reply", data={"finding": "x"})
    assert forged.status_code == 403


@pytest.mark.parametrize("who", ["town_a", "admin", "engineer"])
def test_department_pages_are_closed_to_other_roles(client, depts, who):
    code = depts.code[depts.overdue[TOWN_A]]
    assert _route(client, "town_a", code).status_code == 201
    r = client.post("/login", data={"username": who, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303
    for path in ("/department", f"/department/checks/{code}",
                 "/department/returns.xlsx?period=2026-10"):
        assert client.get(path).status_code == 403, path


def test_the_monthly_return_download_has_masked_ids_only(client, depts, ctx, tmp_path):
    wid = depts.overdue[TOWN_A]
    with session_scope(ctx.engine) as s:  # the township's 纳入监测 completed this month
        w = s.get(RiskWarning, wid)
        s.add(WarningHistory(warning_id=wid, kind="status", from_status="identifying",
                             to_status="monitored", actor="admin",
                             at=dt.datetime(2026, 10, 20, 2, tzinfo=dt.timezone.utc),
                             period="2026-10"))
        w.status = "monitored"
    r = client.get("/api/department/returns?period=2026-10",
                   headers=token_for(client, "dept_edu"))
    assert r.status_code == 200, r.text
    assert "%E6%95%99%E8%82%B2_2026-10" in r.headers["content-disposition"]  # 教育_2026-10
    path = tmp_path / "return.xlsx"
    path.write_bytes(r.content)
    assert find_plaintext([path], depts.plain_ids) == []
    ws = load_workbook(io.BytesIO(r.content))["新识别监测对象"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("户编号", "乡镇", "村", "姓名", "身份证号（脱敏）")
    assert "学籍状态" in rows[0]  # the education contract's own vocabulary
    assert len(rows) == 3 and all("********" in row[4] for row in rows[1:])
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(AuditLog.object_id).where(
            AuditLog.action == "export_list", AuditLog.actor == "dept_edu")) == "2026-10"


def test_on_postgres_the_policies_hold_without_the_querys_filter(client, depts, ctx):
    """Even a query with no department filter sees only routed rows under the portal role."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    from portal.database import portal_session
    from portal.principal import Principal

    code = depts.code[depts.overdue[TOWN_A]]
    assert _route(client, "town_a", code).status_code == 201
    health = Principal(user_id=0, name="dept_health", role="department", department="health")
    edu = Principal(user_id=0, name="dept_edu", role="department", department="education")
    with portal_session(ctx.engine, ctx.settings, health) as s:
        assert list(s.scalars(select(RiskWarning.code))) == [code]
        assert s.scalar(select(DepartmentCheck.department)) == "health"
        audit(s, "dept_health", "view_household", "warning", code, TOWN_A,
              {"department": "health"})
    by_label = Principal(user_id=0, name="卫健用户", role="department", department="卫健")
    with portal_session(ctx.engine, ctx.settings, by_label) as s:  # bound by the Chinese name
        assert list(s.scalars(select(RiskWarning.code))) == [code]
    with portal_session(ctx.engine, ctx.settings, edu) as s:
        assert list(s.scalars(select(RiskWarning.code))) == []
        assert list(s.scalars(select(DepartmentCheck.id))) == []
        assert list(s.scalars(select(Notification.id))) == []


def test_a_township_routes_from_its_phone_page(client, depts, ctx):
    from tests.portal.conftest import login

    code = depts.code[depts.overdue[TOWN_A]]
    login(client, "town_a")
    page = client.get(f"/warnings/{code}/route")
    assert page.status_code == 200 and 'value="health"' in page.text and "医保" in page.text
    assert "教育" not in page.text  # only the owners of 因病
    other = depts.code[depts.overdue[TOWN_B]]
    assert client.get(f"/warnings/{other}/route").status_code == 404
    ok = client.post(f"/warnings/{code}/route", data={"department": "health", "note": "请核实"})
    assert ok.status_code == 200 and "已交办" in ok.text and "待答复" in ok.text
    again = client.post(f"/warnings/{code}/route", data={"department": "health"})
    assert again.status_code == 409 and "尚未答复" in again.text
    wrong = client.post(f"/warnings/{code}/route", data={"department": "education"})
    assert wrong.status_code == 422 and "不负责此类风险" in wrong.text
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(AuditLog.object_id).where(AuditLog.action == "route_warning")) \
            == code


@pytest.mark.parametrize("who", ["analyst", "engineer", "dept_health"])
def test_the_routing_page_is_closed_to_other_roles(client, depts, who):
    code = depts.code[depts.overdue[TOWN_A]]
    r = client.post("/login", data={"username": who, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/warnings/{code}/route").status_code == 403


def test_a_department_answers_on_a_phone_in_a_real_browser(ctx, depts, browser):
    """Chromium at 390 px against `shouwang serve`: the queue is cards, the reply form fits."""
    from tests.portal.conftest import serving
    from tests.portal.test_browser import PHONE

    code = depts.code[depts.overdue[TOWN_A]]
    with session_scope(ctx.engine) as s:
        w = s.scalar(select(RiskWarning).where(RiskWarning.code == code))
        routing.route(s, w, "health", "请入户核实病情", "town_a", dt.date.today(), ctx.settings,
                      ctx.home)
    with serving(ctx) as server:
        page = browser.new_page(viewport=PHONE)
        page.set_default_timeout(15000)
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(f"{server}/department")
        assert "/login" in page.url
        page.fill("input[name=username]", "dept_health")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/department")
        assert code in page.inner_text("#department-queue")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.click(f"text={code}")
        page.wait_for_url(f"{server}/department/checks/{code}")
        assert "********" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.fill("textarea[name=finding]", "已入户，病情属实")
        page.fill("textarea[name=measure]", "申请医疗救助")
        form = page.locator("form.outcome").bounding_box()
        assert form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"]
        page.click("text=提交答复")
        page.wait_for_url(f"{server}/department/checks/{code}?saved=1")
        assert "已入户，病情属实；措施：申请医疗救助" in page.inner_text("#reply")
        assert blocked == []
