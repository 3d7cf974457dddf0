"""The assistance list and the county's help view in the portal: roles and isolation (401, 403,
404 for another township or village), the page at phone width, the XLSX download, the JSON API,
on both databases."""
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from screening.publish.help_figures import help_figures
from tests.portal.conftest import ORIGIN, TOWN_A, TOWN_B, _password_hash, login, token_for
from tests.screening.help_county import TODAY, seed_help_county
from tests.support.pii import find_plaintext
from tests.support.warehouse import building
from warehouse.db import session_scope
from warehouse.models import AuditLog, User


@pytest.fixture
def county(ctx, seed, monkeypatch):
    monkeypatch.setattr("portal.web.today", lambda settings: TODAY)
    county = seed_help_county(ctx)
    with building(ctx, seal=False) as b:
        b.add(User(name="village_a", role="village", township=TOWN_A, village="石桥村",
                   password_hash=_password_hash()))
        b.add(User(name="dept", role="department", department="health",
                   password_hash=_password_hash()))
    county.plain_ids.extend(seed.plain_ids)
    return county


@pytest.fixture
def app_client(ctx, county):
    from portal.app import create_app
    from portal.routes import assistance

    app = create_app(ctx)
    if not any(getattr(r, "path", "") == "/assistance" for r in app.routes):  # until wired
        app.include_router(assistance.router)
    with TestClient(app, base_url=ORIGIN, headers={"Origin": ORIGIN}) as c:
        yield c


def test_a_township_sees_and_downloads_its_own_list_only(app_client, county, tmp_path):
    login(app_client, "town_a")
    page = app_client.get("/assistance")
    assert page.status_code == 200
    assert "陈一" in page.text and county.nos["B"] in page.text and "缺少兜底保障措施" in page.text
    assert "冯七" not in page.text and county.nos["F"] not in page.text  # 三合街道's
    assert 'href="/assistance.xlsx?township=' in page.text
    r = app_client.get("/assistance.xlsx", params={"village": "双河村"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["双河村"]
    nos = [row[1] for row in wb["双河村"].iter_rows(min_row=2, values_only=True)]
    assert county.nos["A"] in nos and county.nos["F"] not in nos
    (tmp_path / "dl.xlsx").write_bytes(r.content)
    assert find_plaintext([tmp_path / "dl.xlsx"], county.plain_ids) == []
    for path in ("/assistance", "/assistance.xlsx"):
        assert app_client.get(path, params={"township": TOWN_B}).status_code == 404
    with session_scope(app_client.app.state.portal.engine) as s:
        actions = {(a.action, a.object_type) for a in s.query(AuditLog).filter_by(actor="town_a")}
    assert ("export_list", "assistance_list") in actions


def test_a_village_user_gets_its_village_and_404_for_another(app_client, county):
    login(app_client, "village_a")
    page = app_client.get("/assistance")
    assert page.status_code == 200 and county.nos["C"] in page.text
    assert county.nos["A"] not in page.text
    assert app_client.get("/assistance", params={"village": "双河村"}).status_code == 404


def test_the_api_isolates_townships_and_refuses_other_roles(app_client, county):
    assert app_client.get("/api/assistance").status_code == 401
    assert app_client.get("/api/county/help").status_code == 401
    town_b = token_for(app_client, "town_b")
    r = app_client.get("/api/assistance", headers=town_b)
    assert r.status_code == 200
    body = r.json()
    assert body["township"] == TOWN_B and body["year"] == 2026
    assert county.nos["F"] in {h["household_no"] for h in body["households"]}
    assert not {h["household_no"] for h in body["households"]} & {county.nos[k] for k in "ABCE"}
    f_row = next(h for h in body["households"] if h["household_no"] == county.nos["F"])
    assert f_row["check"].startswith("家中有 1 名劳动力，缺少开发式帮扶措施")
    assert app_client.get("/api/assistance", params={"township": TOWN_A},
                          headers=town_b).status_code == 404
    assert app_client.get("/api/county/help", headers=town_b).status_code == 403
    for name in ("engineer", "dept"):
        assert app_client.get("/api/assistance", headers=token_for(app_client, name)).status_code == 403
    admin = token_for(app_client, "admin")
    assert app_client.get("/api/assistance", headers=admin).status_code == 422
    assert app_client.get("/api/assistance", params={"township": "龙河\x00"},
                          headers=admin).status_code == 422  # never reaches the database
    r = app_client.get("/api/assistance", params={"township": "龙河", "village": "石桥村"},
                       headers=admin)
    assert [h["household_no"] for h in r.json()["households"]] == [county.nos["C"]]


def test_pages_need_a_login_and_the_right_role(app_client, county):
    assert app_client.get("/assistance", follow_redirects=False).status_code == 303
    assert app_client.get("/county/help", follow_redirects=False).status_code == 303
    login(app_client, "engineer")
    assert app_client.get("/assistance.xlsx", params={"township": TOWN_A}).status_code == 403
    login(app_client, "town_a")
    assert app_client.get("/county/help").status_code == 403


def test_the_county_view_shows_every_township_and_the_backlog_chart(ctx, app_client, county):
    with session_scope(ctx.engine) as s:
        expected = help_figures(s, ctx.settings, TODAY, ctx.home)  # as the owner sees it
    admin = token_for(app_client, "analyst")
    r = app_client.get("/api/county/help", headers=admin)
    assert r.status_code == 200 and r.json() == expected  # row policies hide nothing from the county
    rows = {row["township"]: row for row in expected["rows"]}
    assert rows[TOWN_A]["eliminated_this_month"] == 1
    # F, and the portal seed's three 风险未消除 households of 三合街道 with nobody's measures yet
    assert rows[TOWN_B]["missing_development"] == 4 and rows[TOWN_B]["with_cadre"] == 1
    login(app_client, "admin")
    page = app_client.get("/county/help")
    assert page.status_code == 200
    assert page.text.count("<rect ") == len(expected["backlog"]) and "<script" not in page.text
    assert f'href="/assistance?township={TOWN_A}"'.replace(TOWN_A, "%E9%BE%99%E6%B2%B3%E9%95%87") in page.text
    assert 'data-label="缺兜底措施"' in page.text  # cards at phone width (portal.css)


@pytest.fixture
def live(ctx, county):
    """The portal (with this router) served by uvicorn in a thread on a free loopback port."""
    import socket
    import threading
    import time

    import uvicorn

    from portal.app import create_app
    from portal.routes import assistance

    app = create_app(ctx)
    if not any(getattr(r, "path", "") == "/assistance" for r in app.routes):
        app.include_router(assistance.router)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _phone_login(browser, live, name):
    from tests.portal.conftest import PASSWORD
    from tests.portal.test_browser import PHONE

    page = browser.new_page(viewport=PHONE, accept_downloads=True)
    page.set_default_timeout(15000)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            else None)
    page.goto(f"{live}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page, blocked


def test_at_phone_width_a_township_reads_and_downloads_its_list(live, county, tmp_path):
    from tests.portal.test_browser import CHROMIUM, CHROMIUM_ARGS, PHONE
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page, blocked = _phone_login(browser, live, "town_a")
        page.goto(f"{live}/assistance")
        assert "黄老汉" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        link = page.locator("#download").bounding_box()
        assert link["height"] >= 44 or link["width"] >= 44
        with page.expect_download() as got:
            page.click("#download")
        path = tmp_path / got.value.suggested_filename
        got.value.save_as(path)
        assert path.name == "龙河镇_2026年帮扶清单.xlsx"
        assert {"双河村", "石桥村"} <= set(load_workbook(path).sheetnames)
        assert find_plaintext([path], county.plain_ids) == []
        page.close()
        page, blocked2 = _phone_login(browser, live, "admin")
        page.goto(f"{live}/county/help")
        assert page.locator("#help-backlog rect").count() == 7
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        browser.close()
    assert blocked == [] and blocked2 == []  # nothing refused under the CSP
