"""Township pages: queue (filters, overdue first), household detail, outcome form, XLSX list."""
from __future__ import annotations

import datetime as dt
import io

import chinese_calendar
from openpyxl import load_workbook
from sqlalchemy import select

from tests.portal.conftest import TOWN_A, login, token_for
from warehouse.db import session_scope
from warehouse.models import AuditLog, Household, VerificationTask, RiskWarning


def _codes(ctx, ids):
    with session_scope(ctx.engine) as s:
        return [s.get(RiskWarning, i).code for i in ids]


def test_queue_lists_overdue_first_with_filters(client, seed, ctx):
    login(client, "town_a")
    overdue, upcoming, closed = _codes(ctx, seed.warnings[TOWN_A])
    page = client.get("/queue").text
    assert page.index(overdue) < page.index(upcoming) and closed not in page
    assert "已逾期" in page and "核实队列" in page
    assert overdue not in client.get("/queue?level=orange").text
    assert closed in client.get("/queue?status=closed").text
    bad = client.get("/queue?due_before=next-week")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


def test_detail_shows_evidence_masked_and_audits(client, seed, ctx):
    login(client, "town_a")
    w = seed.overdue[TOWN_A]
    r = client.get(f"/warnings/{seed.code[w]}")
    assert r.status_code == 200
    assert "卫健" in r.text and f"卫健_2026-10.xlsx#{4}" in r.text and "<li>身份证号一致（+13.9）</li>" in r.text
    assert "********" in r.text
    assert not any(pid in r.text for pid in seed.plain_ids)
    with session_scope(ctx.engine) as s:
        views = s.scalars(select(AuditLog).where(AuditLog.action == "view_household")).all()
        assert [(v.actor, v.object_id) for v in views] == [("town_a", _codes(ctx, [w])[0])]


def test_outcome_form_errors_then_saves(client, seed, ctx):
    login(client, "town_a")
    w = seed.warnings[TOWN_A][1]
    r = client.post(f"/warnings/{seed.code[w]}/outcome",
                    data={"outcome": "不符合", "verifier1": "李四", "verifier2": "王五"})
    assert r.status_code == 422 and "需要填写理由" in r.text and 'value="李四"' in r.text
    r = client.post(f"/warnings/{seed.code[w]}/outcome", data={"outcome": "不符合", "verifier1": "李四",
                                                    "verifier2": "王五", "reason": "已稳定就业"})
    # 不符合 is reported to the county, which closes it (销号): the township cannot close alone.
    assert r.status_code == 200 and "核实结果已保存" in r.text and "等待县级确认销号" in r.text
    with session_scope(ctx.engine) as s:
        task = s.scalar(select(VerificationTask).where(VerificationTask.warning_id == w))
        assert (task.outcome, task.outcome_reason, task.status) == ("不符合", "已稳定就业", "done")


def test_xlsx_list_matches_queue(client, seed, ctx):
    login(client, "town_a")
    r = client.get("/queue.xlsx?status=all")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "预警编号"
    assert [row[0] for row in rows[1:]] == _codes(ctx, seed.warnings[TOWN_A])
    assert rows[1][9] == "是" and rows[2][9] == "否"  # overdue column
    assert not any(pid in repr(rows) for pid in seed.plain_ids)


def _add_backlog(ctx, seed, days_ago: int) -> tuple[str, dt.date]:
    """A warning handed to TOWN_A's first household in the previous period, still open and
    past its due date; returns its code and due date."""
    from tests.support.warehouse import building

    due = seed.today - dt.timedelta(days=days_ago)
    with building(ctx, seal=False) as b:
        w = b.warning("W2026-09-00042", f"hh:{seed.households[TOWN_A]}:backlog", "education",
                      "orange", "2026-09", household_id=seed.households[TOWN_A], township=TOWN_A,
                      village="龙河村2", reason="教育：辍学", sources=["教育_2026-09.csv#5"],
                      due_date=due)
        b.task(w, due_date=due)
    return w.code, due


def test_the_queue_carries_the_backlog_with_original_due_date_and_working_days(client, seed, ctx):
    code, due = _add_backlog(ctx, seed, days_ago=40)
    working = sum(chinese_calendar.is_workday(due + dt.timedelta(days=i))
                  for i in range(1, (seed.today - due).days + 1))
    login(client, "town_a")
    page = client.get("/queue").text
    backlog = page[page.index("往期未办结（1 条）"):]
    assert code in backlog and f"{due}" in backlog and f"逾期 {working} 个工作日" in backlog
    assert "2026-09" in backlog
    this_period = page[:page.index("往期未办结（1 条）")]
    assert code not in this_period and _codes(ctx, [seed.overdue[TOWN_A]])[0] in this_period
    items = {i["warning_id"]: i for i in client.get(
        "/api/queue", headers=token_for(client, "town_a")).json()}
    assert (items[code]["backlog"], items[code]["days_overdue"], items[code]["opened_period"]) == \
        (True, working, "2026-09")
    current = items[_codes(ctx, [seed.overdue[TOWN_A]])[0]]
    assert current["backlog"] is False and current["days_overdue"] is not None
    # Seen again this period it is on this period's list; a monitored household is done with
    # the loop (screening.backlog.UNFINISHED); closed, it is finished: none is backlog.
    for column, value in (("last_period", "2026-10"), ("status", "monitored"), ("status", "closed")):
        with session_scope(ctx.engine) as s:
            w = s.scalar(select(RiskWarning).where(RiskWarning.code == code))
            w.last_period, w.status = "2026-09", "open"
            setattr(w, column, value)
        assert "往期未办结" not in client.get("/queue?status=all").text, (column, value)


def test_the_queue_shows_group_grid_and_worker_with_the_phone_masked(client, seed, ctx, tmp_path):
    from tests.portal.grids_support import WORKER_PHONE, load_seed_grids

    with session_scope(ctx.engine) as s:
        s.get(Household, seed.households[TOWN_A]).group_name = "2组"
    load_seed_grids(ctx, tmp_path)
    login(client, "town_a")
    page = client.get("/queue").text
    assert "一网格 · 龙河村2一网格员 137****0001" in page and "2组" in page
    assert WORKER_PHONE not in page
    item = next(i for i in client.get("/api/queue", headers=token_for(client, "town_a")).json()
                if i["warning_id"] == _codes(ctx, [seed.overdue[TOWN_A]])[0])
    assert (item["group"], item["grid"], item["grid_worker"], item["grid_worker_phone"]) == \
        ("2组", "一网格", "龙河村2一网格员", "137****0001")


def test_a_grid_worker_sees_only_the_grids_households_in_the_queue(client, seed, ctx, tmp_path):
    from portal.auth import Passwords, add_user
    from tests.portal.conftest import PASSWORD
    from tests.portal.grids_support import load_seed_grids

    first = seed.households[TOWN_A]
    load_seed_grids(ctx, tmp_path, lambda hid, town, village: "一网格" if hid == first else "二网格")
    with session_scope(ctx.engine) as s:
        add_user(s, Passwords.from_settings(ctx.settings), "grid_a", "grid", TOWN_A, PASSWORD, 8,
                 village="龙河村2", grid="一网格")
    items = client.get("/api/queue?status=all", headers=token_for(client, "grid_a")).json()
    assert [i["warning_id"] for i in items] == _codes(ctx, [seed.overdue[TOWN_A]])


def test_a_grid_worker_reads_the_backlog_as_cards_on_a_phone(ctx, seed, tmp_path):
    """Real chromium at 390 px against `shouwang serve`: the grid worker's queue has this
    period's line and the 往期未办结 card, and nothing scrolls sideways."""
    from portal.auth import Passwords, add_user
    from tests.portal.conftest import PASSWORD, serving
    from tests.portal.grids_support import load_seed_grids
    from tests.portal.test_browser import CHROMIUM, CHROMIUM_ARGS, PHONE
    from playwright.sync_api import sync_playwright

    code, due = _add_backlog(ctx, seed, days_ago=40)
    first = seed.households[TOWN_A]
    load_seed_grids(ctx, tmp_path, lambda hid, town, village: "一网格" if hid == first else "二网格")
    with session_scope(ctx.engine) as s:
        add_user(s, Passwords.from_settings(ctx.settings), "grid_a", "grid", TOWN_A, PASSWORD, 8,
                 village="龙河村2", grid="一网格")
    with serving(ctx) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE)
        page.set_default_timeout(15000)
        page.goto(f"{server}/queue")
        page.fill("input[name=username]", "grid_a")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/queue")
        assert "一网格" in page.inner_text("h1")
        cards = page.locator("#backlog table.backlog tbody tr")
        assert cards.count() == 1
        card = cards.first.inner_text()
        assert code in card and str(due) in card and "个工作日" in card and "2026-09" in card
        box = cards.first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.locator("table.queue").first.locator("tbody tr").count() == 1  # this period's
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        browser.close()
