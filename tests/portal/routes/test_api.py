"""The JSON API, per role, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from tests.portal.conftest import TOWN_A, TOWN_B, token_for
from warehouse.db import session_scope
from warehouse.models import AuditLog, VerificationTask, RiskWarning, WarningHistory

OUTCOME = {"outcome": "纳入监测", "verifier1": "李四", "verifier2": "王五"}


def test_unauthenticated_calls_answer_401(client, seed):
    w = seed.warnings[TOWN_A][0]
    assert client.get("/api/queue").status_code == 401
    assert client.get(f"/api/warnings/{seed.code[w]}").status_code == 401
    r = client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/queue", headers=bad).status_code == 401


def test_wrong_password_is_401(client, seed):
    r = client.post("/api/token", data={"username": "town_a", "password": "wrong-password"})
    assert r.status_code == 401
    r = client.post("/api/token", data={"username": "nobody", "password": "wrong-password"})
    assert r.status_code == 401


def test_township_queue_is_its_own_overdue_first(client, seed):
    items = client.get("/api/queue", headers=token_for(client, "town_a")).json()
    assert {i["township"] for i in items} == {TOWN_A}
    # the closed one is hidden by the default "active" filter
    assert [i["warning_id"] for i in items] == [seed.code[seed.overdue[TOWN_A]],
                                                seed.code[seed.warnings[TOWN_A][1]]]
    assert items[0]["overdue"] is True and items[1]["overdue"] is False
    every = client.get("/api/queue?status=all", headers=token_for(client, "town_a")).json()
    assert sorted(i["warning_id"] for i in every) == sorted(seed.code[w] for w in seed.warnings[TOWN_A])


def test_queue_filters(client, seed):
    h = token_for(client, "town_a")
    reds = client.get("/api/queue?level=red", headers=h).json()
    assert [i["warning_id"] for i in reds] == [seed.code[seed.overdue[TOWN_A]]]
    closed = client.get("/api/queue?status=closed", headers=h).json()
    assert [i["warning_id"] for i in closed] == [seed.code[seed.closed[TOWN_A]]]
    due = client.get(f"/api/queue?due_before={seed.today.isoformat()}", headers=h).json()
    assert [i["warning_id"] for i in due] == [seed.code[seed.overdue[TOWN_A]]]
    village = reds[0]["village"]
    by_village = client.get("/api/queue", params={"village": village, "status": "all"},
                            headers=h).json()
    assert by_village and {i["village"] for i in by_village} == {village}


def test_county_roles_see_every_township(client, seed):
    for name in ("admin", "analyst"):
        items = client.get("/api/queue?status=all", headers=token_for(client, name)).json()
        assert {i["township"] for i in items} == {TOWN_A, TOWN_B}
        only_b = client.get("/api/queue", params={"township": TOWN_B},
                            headers=token_for(client, name)).json()
        assert {i["township"] for i in only_b} == {TOWN_B}


def test_engineer_sees_feeds_only(client, seed):
    h = token_for(client, "engineer")
    assert client.get("/api/queue", headers=h).status_code == 403
    assert client.get(f"/api/warnings/{seed.code[seed.warnings[TOWN_A][0]]}", headers=h).status_code == 403
    feeds = client.get("/api/feeds?period=2026-10", headers=h).json()
    health = next(f for f in feeds if f["department"] == "health")
    assert (health["rows_read"], health["rows_loaded"], health["rows_quarantined"]) == (12, 10, 2)
    missing = next(f for f in feeds if f["department"] == "water")
    assert missing["arrived_at"] is None
    assert client.get("/api/feeds?period=2026-10", headers=token_for(client, "town_a")).status_code == 403


def test_warning_detail_masks_ids_and_is_audited(client, seed, ctx):
    w = seed.overdue[TOWN_A]
    r = client.get(f"/api/warnings/{seed.code[w]}", headers=token_for(client, "town_a"))
    assert r.status_code == 200
    body = r.json()
    assert body["warning_id"] == body["code"] == seed.code[w] and body["township"] == TOWN_A
    assert [m["relation"] for m in body["members"]] == ["户主", "配偶"]
    assert all("********" in m["id_masked"] for m in body["members"])
    ev = body["evidence"][0]
    assert ev["department_label"] == "卫健" and ev["source"].endswith("#4")
    assert ev["explanation"]["terms"][0]["comparison"] == "id_index"  # the structured form stays
    assert ev["explanation_zh"] == ["身份证号一致（+13.9）", "姓名完全一致（+2.2）",
                                    "户主身份缺失（不计分）", "先验-4.7，合计+11.4，匹配概率100.0%",
                                    "综合：自动匹配，概率 0.97"]
    assert (ev["indicator"], ev["indicator_label"]) == ("disease_category", "疾病类别")
    assert not any(pid in r.text for pid in seed.plain_ids)
    with session_scope(ctx.engine) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "view_household")).all()
        assert [(a.actor, a.township) for a in rows] == [("town_a", TOWN_A)]


def test_township_records_outcome(client, seed, ctx):
    w = seed.overdue[TOWN_A]
    h = token_for(client, "town_a")
    r = client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"warning_id": seed.code[w], "status": "identifying",
                        "task_status": "done", "outcome": "纳入监测"}
    with session_scope(ctx.engine) as s:
        task = s.scalar(select(VerificationTask).where(VerificationTask.warning_id == w))
        assert (task.verifier1, task.verifier2, task.recorded_by) == ("李四", "王五", "town_a")
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "record_outcome")).all()
        assert [(a.actor, a.object_id) for a in audit] == [("town_a", s.get(RiskWarning, w).code)]
        history = s.scalars(select(WarningHistory).where(WarningHistory.warning_id == w)).all()
        assert [(e.kind, e.to_status, e.actor) for e in history] == [("outcome", "identifying",
                                                                       "town_a")]
        assert "纳入监测" in history[0].reason
        assert history[0].fields == {"outcome": "纳入监测", "verifiers": ["李四", "王五"]}
    body = client.get(f"/api/warnings/{seed.code[w]}", headers=h).json()
    assert body["status"] == "identifying" and body["next_step"] == "pledge"
    assert [(e["by"], e["action"], e["from_status"], e["to_status"]) for e in body["history"]] == [
        ("town_a", "outcome", "open", "identifying")]


def test_a_withdrawn_warning_takes_no_outcome(client, seed, ctx):
    w = seed.warnings[TOWN_A][1]
    with session_scope(ctx.engine) as s:
        s.get(RiskWarning, w).status = "withdrawn"
    h = token_for(client, "town_a")
    r = client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME, headers=h)
    assert r.status_code == 409 and "撤回" in r.json()["detail"]
    listed = client.get("/api/queue", params={"status": "withdrawn"}, headers=h)
    assert listed.status_code == 200 and [x["warning_id"] for x in listed.json()] == [seed.code[w]]


def test_not_eligible_needs_reason_and_waits_for_the_county(client, seed, ctx):
    w = seed.warnings[TOWN_A][1]
    h = token_for(client, "town_a")
    body = {**OUTCOME, "outcome": "不符合"}
    r = client.post(f"/api/warnings/{seed.code[w]}/outcome", json=body, headers=h)
    assert r.status_code == 422 and "理由" in r.json()["detail"]
    r = client.post(f"/api/warnings/{seed.code[w]}/outcome", json={**body, "reason": "收入已超过监测线"}, headers=h)
    assert r.json()["status"] == "pending_closure"  # the township cannot close alone
    # A second outcome is a correction, appended: the latest stands, the first stays in history.
    again = client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME, headers=h)
    assert again.status_code == 200 and again.json()["status"] == "identifying"
    history = client.get(f"/api/warnings/{seed.code[w]}", headers=h).json()["history"]
    assert [(e["action"], e["to_status"]) for e in history] == [
        ("outcome", "pending_closure"), ("correction", "identifying")]
    assert history[1]["fields"]["previous_outcome"] == "不符合"
    assert "不符合 → 纳入监测" in history[1]["reason"]
    with session_scope(ctx.engine) as s:
        assert s.get(RiskWarning, w).status == "identifying"
        assert s.scalar(select(VerificationTask.outcome).where(
            VerificationTask.warning_id == w)) == "纳入监测"


def test_a_closed_warning_takes_no_outcome(client, seed):
    w = seed.closed[TOWN_A]
    r = client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME,
                    headers=token_for(client, "town_a"))
    assert r.status_code == 409 and "销号" in r.json()["detail"]


def test_two_different_verifiers_and_known_outcome(client, seed):
    w = seed.overdue[TOWN_A]
    h = token_for(client, "town_a")
    same = client.post(f"/api/warnings/{seed.code[w]}/outcome", json={**OUTCOME, "verifier2": "李四"}, headers=h)
    assert same.status_code == 422 and "同一人" in same.json()["detail"]
    one = client.post(f"/api/warnings/{seed.code[w]}/outcome", json={**OUTCOME, "verifier2": " "}, headers=h)
    assert one.status_code == 422
    odd = client.post(f"/api/warnings/{seed.code[w]}/outcome", json={**OUTCOME, "outcome": "已处理"}, headers=h)
    assert odd.status_code == 422 and "纳入监测" in odd.json()["detail"]
    cannot = client.post(f"/api/warnings/{seed.code[w]}/outcome", json={**OUTCOME, "outcome": "无法联系"}, headers=h)
    assert cannot.json()["task_status"] == "pending" and cannot.json()["status"] == "open"


def test_analyst_reads_but_cannot_record(client, seed):
    w = seed.overdue[TOWN_B]
    h = token_for(client, "analyst")
    assert client.get(f"/api/warnings/{seed.code[w]}", headers=h).status_code == 200
    assert client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME, headers=h).status_code == 403
    admin = token_for(client, "admin")
    assert client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME, headers=admin).status_code == 200


def test_other_township_answers_404(client, seed):
    h = token_for(client, "town_a")
    for w in seed.warnings[TOWN_B]:
        assert client.get(f"/api/warnings/{seed.code[w]}", headers=h).status_code == 404
        assert client.post(f"/api/warnings/{seed.code[w]}/outcome", json=OUTCOME, headers=h).status_code == 404
    assert client.get("/api/warnings/999999", headers=h).status_code == 404
