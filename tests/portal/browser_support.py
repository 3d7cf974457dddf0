"""What the browser tests do alike: a page that collects what the CSP blocked, the outcome form."""
from __future__ import annotations


def watched_page(browser, viewport: dict, timeout_ms: int = 15000):
    """A new page of ``viewport``; returns (page, blocked): the console lines the browser wrote
    for what the Content-Security-Policy refused (a test asserts the list stays empty)."""
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(timeout_ms)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            else None)
    return page, blocked


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
