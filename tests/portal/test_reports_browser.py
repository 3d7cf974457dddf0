"""A real browser on a phone-sized screen files a self-report through /report — the page solves
the server's proof-of-work challenge with SubtleCrypto — and reads its status by receipt; the
CSP blocks nothing and the pages never scroll sideways."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.portal.conftest import TOWN_A, serving
from tests.portal.reports_seed import new_person, seed_places, use_settings
from tests.portal.test_browser import PHONE, browser  # noqa: F401  (the chromium fixture)
from tests.support.warehouse import SyntheticIds, plaintext_columns
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope


@pytest.fixture
def server(ctx, seed, monkeypatch):
    """`shouwang serve` with the challenge on, as a county runs it."""
    seed_places(ctx)
    use_settings(ctx, monkeypatch, portal={"secure_cookies": True})
    assert ctx.settings["portal"]["report_challenge"] is True
    with serving(ctx) as url:
        yield url


def test_a_villager_files_a_report_on_a_phone_and_reads_its_status(  # noqa: F811
        server, browser, ctx, seed):
    ids = SyntheticIds(plain=seed.plain_ids)
    rid, phone = new_person(ids, 80), "13912340080"
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(30000)
    blocked: list[str] = []  # what the browser refused under the Content-Security-Policy
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    answers: list[tuple[int, str]] = []  # every answer but the browser's own favicon guess
    page.on("response", lambda r: answers.append((r.status, r.url.removeprefix(server)))
            if not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{server}/report?township=龙河&village=龙河村2")  # as the poster's QR code opens it
    assert page.input_value("select[name=township]") == TOWN_A
    assert page.input_value("select[name=village]") == "龙河村2"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Only the chosen township's villages can be picked.
    assert page.locator("select[name=village] option[data-township='三合街道']").first.is_disabled()

    page.fill("input[name=name]", "周小梅")
    page.fill("input[name=resident_id]", rid[:17] + ("0" if rid[17] != "0" else "1"))
    page.fill("input[name=phone]", phone)
    page.check("input[name=risk_type][value=schooling] >> nth=0")
    page.fill("textarea[name=description]", "孩子初二不上学了")
    box = page.locator("button[type=submit]").bounding_box()
    assert box["height"] >= 40 and box["x"] + box["width"] <= PHONE["width"]  # a thumb's target
    page.click("button[type=submit]")
    page.wait_for_selector("#report-error:not([hidden])")
    assert "校验位" in page.inner_text("#report-error")
    assert page.get_attribute("input[name=resident_id]", "aria-invalid") == "true"

    page.fill("input[name=resident_id]", rid)
    started = time.monotonic()
    page.click("button[type=submit]")
    page.wait_for_selector("#report-done:not([hidden])")
    seconds = time.monotonic() - started
    receipt = page.inner_text("#receipt")
    assert len(receipt) == 10 and page.evaluate("document.documentElement.scrollWidth") <= 390
    print(f"challenge solved and report filed in {seconds:.2f} s")

    page.click("#status-link")
    page.wait_for_url(f"{server}/report/status?receipt={receipt}")
    assert page.inner_text("#status-words") == "已收到"
    assert "周小梅" not in page.content() and rid not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert blocked == []
    assert [a for a in answers if a[0] >= 400] == [(422, "/api/reports")]  # the wrong ID only
    assert (200, "/api/reports/challenge") in answers and (201, "/api/reports") in answers

    with session_scope(ctx.engine) as s:
        row = s.scalar(select(ChannelInput).where(ChannelInput.receipt == receipt))
        assert (row.village, row.risk_type, row.channel) == ("龙河村2", "schooling", "self_report")
    assert plaintext_columns(ctx.engine, [rid, phone]) == []


def test_without_subtlecrypto_the_page_solves_with_its_own_sha256(  # noqa: F811
        server, browser, ctx, seed):
    """Over plain http on a village network browsers hide crypto.subtle: the page's own
    SHA-256 must find the same number."""
    ids = SyntheticIds(plain=seed.plain_ids)
    rid = new_person(ids, 81)
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(60000)
    page.add_init_script(
        "Object.defineProperty(Crypto.prototype, 'subtle', {get: () => undefined})")
    page.goto(f"{server}/report?township=龙河&village=龙河村1")
    assert page.evaluate("window.crypto.subtle === undefined")
    page.fill("input[name=name]", "周小梅")
    page.fill("input[name=resident_id]", rid)
    page.fill("input[name=phone]", "13912340081")
    page.check("input[name=risk_type][value=housing]")
    started = time.monotonic()
    page.click("button[type=submit]")
    page.wait_for_selector("#report-done:not([hidden])")
    print(f"plain-JS SHA-256: solved and filed in {time.monotonic() - started:.2f} s")
    with session_scope(ctx.engine) as s:
        receipt = page.inner_text("#receipt")
        row = s.scalar(select(ChannelInput).where(ChannelInput.receipt == receipt))
        assert (row.village, row.risk_type) == ("龙河村1", "housing")
