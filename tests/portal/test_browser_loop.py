"""The whole verification loop in a real browser (Debian's chromium via Playwright) against
`shouwang serve`, once on a phone (390 px) and once on a desktop: a township verifier records
纳入监测 and the identification steps on the warning's page, the county admin confirms on its
desk (/verification) and closes a 不符合 there, the verifier enters the household in the national
system, and the warning is monitored. No page scrolls sideways on the phone, every button is a
large target, and nothing is blocked by the Content-Security-Policy."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from screening.calendar import add_working_days, is_working_day
from shouwang.core.clock import today as county_today
from tests.portal.browser_support import fits, login, logout, record_outcome, watched_page
from tests.portal.conftest import TOWN_A
from tests.portal.test_browser import PHONE, browser, server  # noqa: F401 (fixtures)
from warehouse.db import session_scope
from warehouse.models import RiskWarning, WarningHistory

DESKTOP = {"width": 1280, "height": 800}


def _fits(page, viewport: dict) -> None:
    """On a phone: nothing wider than the screen, every form button a large target."""
    if viewport is PHONE:
        fits(page, viewport["width"])


def _step(page, server: str, code: str, viewport: dict, step: str, day: dt.date,
          end: dt.date | None = None, result: str | None = None) -> None:
    """Fill and send the warning page's form for its next step, which must be ``step``."""
    form = page.locator("form.identification")
    assert form.locator("input[name=step]").get_attribute("value") == step
    _fits(page, viewport)
    form.locator("input[name=date]").fill(day.isoformat())
    if end:
        form.locator("input[name=end_date]").fill(end.isoformat())
    if result:
        form.locator(f"input[name=result][value={result}]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/warnings/{code}?saved={step}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_whole_loop_in_a_browser(server, browser, seed, ctx, viewport):  # noqa: F811
    code = seed.code[seed.overdue[TOWN_A]]
    other = seed.code[seed.warnings[TOWN_A][1]]
    today = county_today(ctx.settings)
    notice = today - dt.timedelta(days=30)
    while not is_working_day(notice):
        notice -= dt.timedelta(days=1)
    page, blocked = watched_page(browser, viewport)

    login(page, server, "town_a")
    page.goto(f"{server}/warnings/{code}")
    _fits(page, viewport)
    record_outcome(page, server, code, "纳入监测")
    assert page.inner_text("#warning-status") == "识别认定中"
    _step(page, server, code, viewport, "pledge", notice - dt.timedelta(days=10))
    _step(page, server, code, viewport, "review", notice - dt.timedelta(days=5), result="pass")
    # A notice one working day short comes back with the Chinese message and the values kept.
    form = page.locator("form.identification")
    form.locator("input[name=date]").fill(notice.isoformat())
    form.locator("input[name=end_date]").fill(add_working_days(notice, 3).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "公示期不少于 5 个工作日" in page.inner_text("#form-error")
    _step(page, server, code, viewport, "notice", notice, end=add_working_days(notice, 4))
    assert "公示期满后由县级确认" in page.inner_text("#identification-card")
    # 不符合 on another warning: the township reports it, the county closes it.
    page.goto(f"{server}/warnings/{other}")
    record_outcome(page, server, other, "不符合", "收入已超过监测线")
    assert page.inner_text("#warning-status") == "待县级确认销号"
    logout(page, server)

    login(page, server, "admin")
    page.goto(f"{server}/verification")
    _fits(page, viewport)
    confirm = page.locator(f"section.waiting[data-warning='{code}']")
    assert "待县级确认纳入监测" in confirm.inner_text()
    confirm.locator("button[type=submit]").click()  # the date is today, prefilled
    page.wait_for_url(f"{server}/verification?saved=1")
    closure = page.locator(f"section.waiting[data-warning='{other}']")
    assert "收入已超过监测线" in closure.inner_text()
    closure.locator("input[name=decision][value=confirm]").check()
    closure.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/verification?saved=1")
    assert page.locator("#nothing-waiting").is_visible()
    logout(page, server)

    login(page, server, "town_a")
    page.goto(f"{server}/warnings/{code}")
    _step(page, server, code, viewport, "entered", today)
    assert page.inner_text("#warning-status") == "已纳入监测"
    history = page.inner_text("#history-card")
    assert "识别认定" in history and "admin" in history and "识别认定中 → 已纳入监测" in history
    _fits(page, viewport)
    page.goto(f"{server}/warnings/{other}")
    assert page.inner_text("#warning-status") == "已销号"
    assert blocked == []

    with session_scope(ctx.engine) as s:
        assert s.get(RiskWarning, seed.overdue[TOWN_A]).status == "monitored"
        kinds = s.scalars(select(WarningHistory.kind).where(
            WarningHistory.warning_id == seed.overdue[TOWN_A]).order_by(WarningHistory.id)).all()
        assert kinds == ["outcome"] + ["identification"] * 5
