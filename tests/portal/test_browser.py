"""A real browser (Debian's chromium via Playwright) against `shouwang serve` on 127.0.0.1,
on a phone-sized screen: a township verifier logs in, opens a warning, records an outcome and
logs out, with the CSP, CSRF token and Origin check on and nothing blocked."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.portal.browser_support import record_outcome, watched_page
from tests.portal.conftest import PASSWORD, TOWN_A, serving
from warehouse.db import session_scope
from warehouse.models import AuditLog, VerificationTask, RiskWarning

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# An iPhone 12-15 sized screen: township verifiers use the portal on their phones.
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(ctx, seed):
    """`shouwang serve` in a subprocess on a free loopback port; yields its base URL."""
    with serving(ctx) as url:
        yield url


@pytest.fixture
def browser():
    """Headless chromium, network-quiet flags."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_verifier_logs_in_opens_warning_and_records_outcome(server, browser, seed, ctx):
    with session_scope(ctx.engine) as s:
        code = s.get(RiskWarning, seed.overdue[TOWN_A]).code
    page, blocked = watched_page(browser, PHONE)
    page.goto(f"{server}/queue")
    assert "/login" in page.url  # no session yet
    page.fill("input[name=username]", "town_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.first.locator("td").first.inner_text() == code  # overdue first
    assert "已逾期" in rows.first.inner_text()
    # The queue is cards on a phone: nothing wider than the screen, no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cookie = next(c for c in page.context.cookies() if c["name"] == "shouwang_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    page.click(f"text={code}")
    page.wait_for_url(f"{server}/warnings/{seed.code[seed.overdue[TOWN_A]]}")
    assert "部门数据依据" in page.content() and "********" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    record_outcome(page, server, code, "调整帮扶", "已落实医疗救助")
    assert "核实结果已保存" in page.inner_text("main")
    assert "调整帮扶" in page.inner_text("#recorded-outcome")
    assert page.inner_text("#warning-status") == "调整帮扶"  # handed to the help loop
    form = page.locator("form.outcome").bounding_box()  # the form fits the phone's width
    assert form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"]
    page.click("text=退出")
    page.wait_for_url(f"{server}/login")
    page.goto(f"{server}/queue")
    assert "/login" in page.url  # logged out for good
    assert blocked == []

    with session_scope(ctx.engine) as s:
        task = s.scalar(select(VerificationTask).where(
            VerificationTask.warning_id == seed.overdue[TOWN_A]))
        assert (task.outcome, task.verifier1, task.verifier2, task.recorded_by) == (
            "调整帮扶", "李四", "王五", "town_a")
        actions = s.scalars(select(AuditLog.action).where(AuditLog.actor == "town_a")).all()
        assert "record_outcome" in actions and "view_household" in actions
