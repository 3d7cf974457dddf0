"""County pages: progress, overdue, digest and alerts, feed status, match review."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.portal.conftest import TOWN_A, TOWN_B, login
from warehouse.db import session_scope
from warehouse.models import Alert, AuditLog, Link, MatchDecision, RiskWarning


def test_county_page_shows_progress_overdue_and_alerts(client, seed):
    login(client, "analyst")
    r = client.get("/county")
    assert r.status_code == 200
    for town in (TOWN_A, TOWN_B):
        # total 3, done 0, closed 1, pending 2, overdue 1, 33 %
        row = re.search(rf"{town}</a></td>((?:<td>[^<]*</td>)+)", r.text).group(1)
        assert re.findall(r"<td>([^<]*)</td>", row) == ["3", "0", "1", "2", "1", "33%"]
    assert "规模性风险预警" in r.text and "因病" in r.text and ">16<" in r.text
    assert "逾期事项" in r.text


def test_county_page_says_why_an_alert_fired(client, seed, ctx):
    with session_scope(ctx.engine) as s:
        alert = s.scalars(select(Alert).where(Alert.township == TOWN_A)).one()
        alert.kind, alert.reason = "rate", f"{TOWN_A} 因病 15 户，常态约 4.2 户（按全县本期比例）"
    login(client, "analyst")
    assert f"<td>{TOWN_A} 因病 15 户，常态约 4.2 户（按全县本期比例）</td>" in client.get("/county").text


def test_a_withdrawn_warning_is_not_pending(client, seed, ctx):
    with session_scope(ctx.engine) as s:
        pending = s.scalars(select(RiskWarning).where(RiskWarning.township == TOWN_A,
                                                  RiskWarning.status == "open")).all()
        pending[0].status = "withdrawn"  # a corrected feed took its evidence away
    login(client, "analyst")
    row = re.search(rf"{TOWN_A}</a></td>((?:<td>[^<]*</td>)+)", client.get("/county").text).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[:4] == ["3", "0", "1", "1"]


def test_feeds_page_marks_missing_feeds_late(client, seed):
    login(client, "engineer")
    r = client.get("/feeds?period=2026-10")
    assert r.status_code == 200
    assert "卫健" in r.text and "已到达" in r.text and "未到达" in r.text and "迟报" in r.text
    assert client.get("/county").status_code == 403
    assert client.get("/queue").status_code == 403


def test_review_accept_and_reject_write_decisions(client, seed, ctx):
    login(client, "admin")
    page = client.get("/review")
    assert page.status_code == 200 and "确认同一人" in page.text
    # The explanation in sentences, never the stored dict.
    assert "prior_weight" not in page.text and "{&#39;" not in page.text and "{'" not in page.text
    assert "姓名" in page.text and "（+" in page.text
    assert not any(pid in page.text for pid in seed.plain_ids)
    link_a, link_b = seed.review_links[TOWN_A], seed.review_links[TOWN_B]
    assert client.post(f"/review/{link_a}", data={"decision": "accept"}).status_code == 200
    assert client.post(f"/review/{link_b}", data={"decision": "reject"}).status_code == 200
    again = client.post(f"/review/{link_a}", data={"decision": "reject"})
    assert again.status_code == 409
    with session_scope(ctx.engine) as s:
        assert (s.get(Link, link_a).status, s.get(Link, link_a).decided_by) == ("accepted", "admin")
        assert s.get(Link, link_b).status == "rejected"
        decisions = s.scalars(select(MatchDecision).order_by(MatchDecision.id)).all()
        assert [(d.decision, d.decided_by) for d in decisions] == [("accept", "admin"),
                                                                    ("reject", "admin")]
        assert all(len(d.record_signature) == 32 for d in decisions)
        actions = s.scalars(select(AuditLog.action).where(AuditLog.object_type == "link")).all()
        assert sorted(actions) == ["match_accept", "match_reject"]
