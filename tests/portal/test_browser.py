"""A real browser (Debian's chromium via Playwright) against `shouwang serve` on 127.0.0.1:
a township verifier logs in, opens a warning and records an outcome."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.portal.conftest import PASSWORD, TOWN_A
from warehouse.db import session_scope
from warehouse.models import AuditLog, VerificationTask, Warning

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(ctx, seed):
    """`shouwang serve` in a subprocess on a free loopback port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shouwang.cli", "--warehouse", ctx.warehouse, "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"shouwang serve exited: {proc.stderr.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("shouwang serve did not start listening within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


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
        code = s.get(Warning, seed.overdue[TOWN_A]).code
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{server}/queue")
    assert "/login" in page.url  # no session yet
    page.fill("input[name=username]", "town_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.first.locator("td").first.inner_text() == code  # overdue first
    assert "已逾期" in rows.first.inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "shouwang_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    page.click(f"text={code}")
    page.wait_for_url(f"{server}/warnings/{seed.overdue[TOWN_A]}")
    assert "部门数据依据" in page.content() and "********" in page.content()
    page.check("input[name=outcome][value=调整帮扶]")
    page.fill("input[name=verifier1]", "李四")
    page.fill("input[name=verifier2]", "王五")
    page.fill("textarea[name=reason]", "已落实医疗救助")
    page.click("text=保存核实结果")
    page.wait_for_url(f"{server}/warnings/{seed.overdue[TOWN_A]}?saved=1")
    assert "核实结果已保存" in page.inner_text("main")
    assert "调整帮扶" in page.inner_text("#recorded-outcome")
    assert page.inner_text("#warning-status") == "已核实"

    with session_scope(ctx.engine) as s:
        task = s.scalar(select(VerificationTask).where(
            VerificationTask.warning_id == seed.overdue[TOWN_A]))
        assert (task.outcome, task.verifier1, task.verifier2, task.recorded_by) == (
            "调整帮扶", "李四", "王五", "town_a")
        actions = s.scalars(select(AuditLog.action).where(AuditLog.actor == "town_a")).all()
        assert "record_outcome" in actions and "view_household" in actions
