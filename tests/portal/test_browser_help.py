"""One household from `monitored` to 风险已消除 in a real browser (Debian's chromium via
Playwright) on a phone (390 px) against `shouwang serve`: the township records the contact
cadre, a measure and a visit on the case page, the county approves the plan, the township
records the review and the notice, the county confirms. No page scrolls sideways, every button
is a large target, the cadre's phone shows masked, nothing is blocked by the CSP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.portal.browser_support import fits, login, logout, watched_page
from tests.portal.conftest import TOWN_A
from tests.portal.help_seed import CADRE_PHONE, paper_dates, seed_cases
from tests.portal.test_browser import PHONE, browser, server  # noqa: F401 (fixtures)
from warehouse.db import session_scope
from warehouse.models import Household, HouseholdHistory


@pytest.fixture
def cases(ctx, seed):
    """The monitored households, on top of the portal's seed."""
    return seed_cases(ctx, seed)


def _send(page, server: str, no: str, form: str, saved: str) -> None:
    page.locator(f"form[action='/households/{no}/{form}'] button[type=submit]").click()
    page.wait_for_url(f"{server}/households/{no}?saved={saved}")


def test_a_household_reaches_risk_eliminated_on_a_phone(server, browser, cases, ctx):  # noqa: F811
    no = cases.able[TOWN_A]
    d = paper_dates(ctx.settings)
    page, blocked = watched_page(browser, PHONE)

    login(page, server, "town_a")
    page.goto(f"{server}/households/{no}")
    fits(page, PHONE["width"])
    assert "尚未确定联系人" in page.inner_text("#contact-card")
    page.fill("input[name=cadre]", "赵干部")
    page.fill("input[name=phone]", CADRE_PHONE)
    _send(page, server, no, "contact", "contact")
    assert page.inner_text("#contact") .startswith("赵干部 · 138****8000")
    assert CADRE_PHONE not in page.content()
    page.select_option("select[name=policy]", "公益性岗位")
    page.fill("input[name=start_date]", d["review"].isoformat())
    _send(page, server, no, "measures", "measure")
    assert "公益性岗位（开发式）" in page.inner_text("#measures")
    page.click("#visits-card summary")
    page.fill("form[action$='/visits'] input[name=date]", d["review"].isoformat())
    page.fill("input[name=income_month]", "1800")
    _send(page, server, no, "visits", "visit")
    assert "当月收入 1800 元" in page.inner_text("#visits")
    assert "县级审核通过的帮扶方案" in page.inner_text("#elimination-card")
    fits(page, PHONE["width"])
    logout(page, server)

    login(page, server, "admin")
    page.goto(f"{server}/households/{no}")
    page.click("#approve-plan")
    page.wait_for_url(f"{server}/households/{no}?saved=plan")
    assert page.inner_text("#plan-status") == "县级审核通过"
    logout(page, server)

    login(page, server, "town_a")
    page.goto(f"{server}/households/{no}")
    form = page.locator("#elimination-form")
    assert form.locator("input[name=step]").get_attribute("value") == "review"
    form.locator("input[name=date]").fill(d["review"].isoformat())
    form.locator("input[name=result][value=pass]").check()
    _send(page, server, no, "elimination", "review")
    form = page.locator("#elimination-form")
    assert form.locator("input[name=step]").get_attribute("value") == "notice"
    form.locator("input[name=date]").fill(d["notice"].isoformat())
    form.locator("input[name=end_date]").fill(d["notice_end"].isoformat())
    _send(page, server, no, "elimination", "notice")
    # The township cannot confirm: the form is the county's.
    assert page.locator("#elimination-form").count() == 0
    fits(page, PHONE["width"])
    logout(page, server)

    login(page, server, "admin")
    page.goto(f"{server}/households/{no}")
    form = page.locator("#elimination-form")
    assert form.locator("input[name=step]").get_attribute("value") == "confirm"
    fits(page, PHONE["width"])
    _send(page, server, no, "elimination", "confirm")  # the date is today, prefilled
    assert page.inner_text("#risk-status") == "风险已消除"
    assert "县级确认" in page.inner_text("#elimination-card")
    fits(page, PHONE["width"])
    assert blocked == []

    with session_scope(ctx.engine) as s:
        hid = s.scalar(select(Household.id).where(Household.household_no == no))
        statuses = s.scalars(select(HouseholdHistory.risk_status).where(
            HouseholdHistory.household_id == hid).order_by(HouseholdHistory.id)).all()
    assert statuses == ["风险未消除", "风险已消除"]
