"""Township pages: queue (filters, overdue first), household detail, outcome form, XLSX list."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from tests.portal.conftest import TOWN_A, login
from warehouse.db import session_scope
from warehouse.models import AuditLog, VerificationTask, RiskWarning


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
