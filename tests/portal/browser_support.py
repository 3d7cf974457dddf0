"""What the browser tests do alike: a page that collects what the CSP blocked, logging in and
out, the phone-fit check, the outcome form."""
from __future__ import annotations

from tests.portal.conftest import PASSWORD

TARGET_PX = 44  # the smallest comfortable touch target


def watched_page(browser, viewport: dict, timeout_ms: int = 15000):
    """A new page of ``viewport``; returns (page, blocked): the console lines the browser wrote
    for what the Content-Security-Policy refused (a test asserts the list stays empty)."""
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(timeout_ms)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            else None)
    return page, blocked


def login(page, server: str, name: str) -> None:
    """Log in as portal user ``name`` (the seed's password) and wait for the page after."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def logout(page, server: str) -> None:
    """Log out through the page's 退出 and wait for the login page."""
    page.click("text=退出")
    page.wait_for_url(f"{server}/login")


def fits(page, width: int) -> None:
    """Nothing wider than a screen of ``width``; every visible form button a large target inside it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for button in page.locator("form.outcome button").all():
        box = button.bounding_box() if button.is_visible() else None
        if box:
            assert box["height"] >= TARGET_PX and box["x"] + box["width"] <= width


def record_outcome(page, server: str, code: str, outcome: str, reason: str | None = None) -> None:
    """On warning ``code``'s page: choose ``outcome``, two verifiers, the reason if any; save and
    wait for the page to come back saved."""
    page.check(f"input[name=outcome][value={outcome}]")
    page.fill("input[name=verifier1]", "李四")
    page.fill("input[name=verifier2]", "王五")
    if reason is not None:
        page.fill("textarea[name=reason]", reason)
    page.click("text=保存核实结果")
    page.wait_for_url(f"{server}/warnings/{code}?saved=1")
