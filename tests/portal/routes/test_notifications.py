"""GET /api/notifications and the notifications page: each role reads its own, newest first; a
township never sees another's; the header counts unread ones; a calendar gap is shown loudly."""
from __future__ import annotations

import datetime as dt

from screening import clocks, notify
from tests.portal.conftest import TOWN_A, TOWN_B, login, token_for
from tests.portal.test_browser import browser, server  # noqa: F401 (fixtures)
from warehouse.db import session_scope

UTC = dt.timezone.utc


def _notify(ctx, seed) -> dict:
    a, b = seed.overdue[TOWN_A], seed.overdue[TOWN_B]
    with session_scope(ctx.engine) as s:
        notify.notify(s, "overdue", f"{seed.code[a]}「初审」已逾期 1 个工作日", warning_id=a,
                      township=TOWN_A, at=dt.datetime(2026, 11, 2, 1, tzinfo=UTC))
        notify.notify(s, "returned", f"{seed.code[a]} 销号被退回：请补充入户照片", warning_id=a,
                      township=TOWN_A, at=dt.datetime(2026, 11, 3, 1, tzinfo=UTC))
        notify.notify(s, "overdue", f"{seed.code[b]}「初审」已逾期 2 个工作日", warning_id=b,
                      township=TOWN_B, at=dt.datetime(2026, 11, 3, 2, tzinfo=UTC))
        notify.notify(s, "escalated", f"{TOWN_A} {seed.code[a]} 初审逾期，现上报县级", warning_id=a,
                      township=TOWN_A, audience="county", at=dt.datetime(2026, 11, 4, 1, tzinfo=UTC))
        notify.notify(s, "awaiting_confirmation", f"{TOWN_B}报告 {seed.code[b]} 不符合，待县级确认",
                      warning_id=b, township=TOWN_B, audience="county",
                      at=dt.datetime(2026, 11, 5, 1, tzinfo=UTC))
    return {"a": seed.code[a], "b": seed.code[b]}


def test_no_token_is_401(client, seed):
    r = client.get("/api/notifications")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_each_role_reads_its_own_newest_first(ctx, client, seed):
    codes = _notify(ctx, seed)
    town_a = client.get("/api/notifications", headers=token_for(client, "town_a")).json()
    assert [(n["kind"], n["warning_id"]) for n in town_a] == [("returned", codes["a"]),
                                                              ("overdue", codes["a"])]
    assert set(town_a[0]) == {"at", "kind", "warning_id", "text"}
    assert town_a[0]["at"] == "2026-11-03T01:00:00+00:00"
    town_b = client.get("/api/notifications", headers=token_for(client, "town_b")).json()
    assert [(n["kind"], n["warning_id"]) for n in town_b] == [("overdue", codes["b"])]
    assert all(codes["a"] not in n["text"] for n in town_b)  # isolation holds
    for county in ("admin", "analyst"):
        got = client.get("/api/notifications", headers=token_for(client, county)).json()
        assert [n["kind"] for n in got] == ["awaiting_confirmation", "escalated"]
    assert client.get("/api/notifications", headers=token_for(client, "engineer")).json() == []


def test_the_header_counts_unread_until_the_page_is_opened(ctx, client, seed):
    codes = _notify(ctx, seed)
    login(client, "town_a")
    queue = client.get("/queue").text
    assert 'id="notice-count">2<' in queue
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "销号退回" in page.text and f'href="/warnings/{codes["a"]}"' in page.text
    assert page.text.index("销号被退回") < page.text.index("已逾期 1 个工作日")  # newest first
    assert codes["b"] not in page.text
    assert 'id="notice-count"' not in client.get("/queue").text  # read now
    with session_scope(ctx.engine) as s:
        notify.notify(s, "overdue", "又一条", township=TOWN_A)
    assert 'id="notice-count">1<' in client.get("/queue").text


def test_a_deadline_in_a_year_without_a_table_shows_on_every_page(ctx, client, seed):
    login(client, "town_a")
    assert 'id="calendar-gap"' not in client.get("/notifications").text or \
        dt.date.today().month == 12  # a December today already reaches into 2027
    with session_scope(ctx.engine) as s:
        clocks.on_event(s, seed.overdue[TOWN_A], "published", dt.date(2026, 12, 21), ctx.settings)
    page = client.get("/notifications").text
    assert 'id="calendar-gap"' in page and "2027 年的法定节假日" in page


def test_the_page_needs_a_login(client, seed):
    r = client.get("/notifications", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]


def test_on_a_phone_the_header_count_leads_to_the_cards(ctx, seed, server, browser):
    """A real browser at 390 px: the count in the header, the page of cards, nothing wider than
    the screen, nothing blocked by the Content-Security-Policy."""
    from tests.portal.conftest import PASSWORD
    from tests.portal.test_browser import PHONE

    codes = _notify(ctx, seed)
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(15000)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            else None)
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "town_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/queue")
    assert page.locator("#notice-count").inner_text() == "2"
    page.click("#notice-link")
    page.wait_for_url(f"{server}/notifications")
    cards = page.locator("#notifications li")
    assert cards.count() == 2 and "销号被退回" in cards.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = cards.first.locator("a.button").bounding_box()
    assert box and box["height"] >= 24  # a target a thumb can hit
    cards.first.locator("a.button").click()
    page.wait_for_url(f"{server}/warnings/{codes['a']}")
    assert page.locator("#notice-count").count() == 0  # read now
    assert blocked == []
    page.close()


def test_a_village_user_reads_the_notices_about_its_villages_warnings(ctx, client, seed):
    """A village cadre is told what its township is told, about its own village's warnings only."""
    from tests.portal.conftest import _password_hash
    from warehouse.models import User

    inside, outside = seed.warnings[TOWN_A][0], seed.warnings[TOWN_A][1]  # 龙河村2, 龙河村1
    with session_scope(ctx.engine) as s:
        s.add(User(name="village_a", role="village", township=TOWN_A, village="龙河村2",
                   password_hash=_password_hash()))
        for wid, day in ((inside, 2), (outside, 3)):
            notify.notify(s, "overdue", f"{seed.code[wid]}「初审」已逾期", warning_id=wid,
                          township=TOWN_A, at=dt.datetime(2026, 11, day, 1, tzinfo=UTC))
        notify.notify(s, "escalated", f"{seed.code[inside]} 上报县级", warning_id=inside,
                      township=TOWN_A, audience="county", at=dt.datetime(2026, 11, 4, tzinfo=UTC))
    got = client.get("/api/notifications", headers=token_for(client, "village_a")).json()
    assert [(n["kind"], n["warning_id"]) for n in got] == [("overdue", seed.code[inside])]
    town = client.get("/api/notifications", headers=token_for(client, "town_a")).json()
    assert {n["warning_id"] for n in town} == {seed.code[inside], seed.code[outside]}
