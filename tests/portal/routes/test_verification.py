"""The verification loop through the API and the pages, per role and per transition, on SQLite
and PostgreSQL: 销号 only by the county, identification steps in order with paper dates,
无法联系 retries and escalation, corrections appended, isolation."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from screening.calendar import add_working_days, is_working_day
from shouwang.core.clock import today as county_today
from tests.portal.conftest import TOWN_A, TOWN_B, login, token_for
from warehouse.db import session_scope
from warehouse.models import RiskWarning, VerificationTask, WarningHistory
from warehouse.notification_tables import Notification
from warehouse.verification_tables import IdentificationStep

INCLUDE = {"outcome": "纳入监测", "verifier1": "李四", "verifier2": "王五"}
REJECT = {"outcome": "不符合", "verifier1": "李四", "verifier2": "王五", "reason": "收入已超过监测线"}
UNREACHABLE = {"outcome": "无法联系", "verifier1": "李四", "verifier2": "王五"}


def _working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def today(ctx) -> dt.date:
    """The county's today, as the portal judges "in the future"."""
    return county_today(ctx.settings)


@pytest.fixture
def paper(today) -> dict[str, dt.date]:
    """Paper dates of one identification, all in the past, the notice 5 working days long."""
    start = _working_day_on_or_before(today - dt.timedelta(days=40))
    return {"pledge": start - dt.timedelta(days=10), "review": start - dt.timedelta(days=5),
            "notice": start, "notice_end": add_working_days(start, 4), "confirm": today,
            "entered": today}


def _post(client, code: str, what: str, body: dict, who: str):
    return client.post(f"/api/warnings/{code}/{what}", json=body, headers=token_for(client, who))


def _step(client, code: str, step: str, day: dt.date, who: str = "town_a", **extra):
    return _post(client, code, "identification", {"step": step, "date": day.isoformat(), **extra},
                 who)


def _history(client, code: str, who: str = "admin") -> list[dict]:
    r = client.get(f"/api/warnings/{code}", headers=token_for(client, who))
    assert r.status_code == 200, r.text
    return r.json()["history"]


def test_the_whole_identification_to_monitored(client, seed, ctx, paper):
    code = seed.code[seed.overdue[TOWN_A]]
    assert _post(client, code, "outcome", INCLUDE, "town_a").json()["status"] == "identifying"
    r = _step(client, code, "pledge", paper["pledge"], note="户主签署承诺书")
    assert (r.status_code, r.json()["next_step"]) == (200, "review"), r.text
    r = _step(client, code, "review", paper["review"], result="pass")
    assert r.json() == {"warning_id": code, "status": "identifying", "next_step": "notice"}
    r = _step(client, code, "notice", paper["notice"], end_date=paper["notice_end"].isoformat())
    assert r.json()["next_step"] == "confirm", r.text
    for who in ("town_a", "analyst"):  # county confirmation: county_admin only
        refused = _step(client, code, "confirm", paper["confirm"], who=who)
        assert refused.status_code == 403, refused.text
    assert _step(client, code, "confirm", paper["confirm"], who="admin").json()["next_step"] == "entered"
    r = _step(client, code, "entered", paper["entered"])
    assert r.json() == {"warning_id": code, "status": "monitored", "next_step": None}
    body = client.get(f"/api/warnings/{code}", headers=token_for(client, "town_a")).json()
    assert [s["step"] for s in body["identification"]] == ["pledge", "review", "notice",
                                                          "confirm", "entered"]
    assert body["identification"][2]["end_date"] == paper["notice_end"].isoformat()
    assert [(h["action"], h["by"], h["to_status"]) for h in body["history"]] == [
        ("outcome", "town_a", "identifying"), ("identification", "town_a", "identifying"),
        ("identification", "town_a", "identifying"), ("identification", "town_a", "identifying"),
        ("identification", "admin", "identifying"), ("identification", "town_a", "monitored")]
    assert body["history"][1]["fields"] == {"step": "pledge", "date": paper["pledge"].isoformat(),
                                            "note": "户主签署承诺书"}
    # Monitored is the end of this loop: no outcome and no step changes it any more.
    assert _post(client, code, "outcome", INCLUDE, "town_a").status_code == 409
    assert _step(client, code, "entered", paper["entered"]).status_code == 409
    with session_scope(ctx.engine) as s:
        assert s.get(RiskWarning, seed.overdue[TOWN_A]).status == "monitored"
        # The notice waited for the county: it was told once, as the notice was recorded.
        kinds = s.scalars(select(Notification.kind).where(
            Notification.warning_id == seed.overdue[TOWN_A])).all()
        assert kinds == ["awaiting_confirmation"]


def test_steps_out_of_order_answer_409(client, seed, paper):
    code = seed.code[seed.overdue[TOWN_A]]
    r = _step(client, code, "pledge", paper["pledge"])
    assert r.status_code == 409 and "纳入监测" in r.json()["detail"]  # not identifying yet
    _post(client, code, "outcome", INCLUDE, "town_a")
    for step in ("review", "notice", "entered"):
        r = _step(client, code, step, paper["review"], result="pass",
                  end_date=paper["notice_end"].isoformat())
        assert r.status_code == 409 and "承诺授权" in r.json()["detail"], (step, r.text)
    assert _step(client, code, "pledge", paper["pledge"]).status_code == 200
    assert _step(client, code, "review", paper["review"], result="pass").status_code == 200
    r = _step(client, code, "pledge", paper["pledge"])  # behind a later step: no more changes
    assert r.status_code == 409 and "之后的步骤已记录" in r.json()["detail"]
    assert _step(client, code, "unknown", paper["pledge"]).status_code == 422


def test_a_step_recorded_again_is_a_correction(client, seed, ctx, paper):
    code = seed.code[seed.overdue[TOWN_A]]
    _post(client, code, "outcome", INCLUDE, "town_a")
    _step(client, code, "pledge", paper["pledge"])
    fixed = paper["pledge"] + dt.timedelta(days=1)
    assert _step(client, code, "pledge", fixed, note="日期更正").status_code == 200
    body = client.get(f"/api/warnings/{code}", headers=token_for(client, "town_a")).json()
    assert [(s["step"], s["date"]) for s in body["identification"]] == [("pledge", fixed.isoformat())]
    assert [h["action"] for h in body["history"]] == ["outcome", "identification", "correction"]
    with session_scope(ctx.engine) as s:  # both rows kept: append-only
        assert len(s.scalars(select(IdentificationStep)).all()) == 2


def test_dates_are_paper_dates_never_future_never_before_the_previous_step(client, seed, paper,
                                                                          today):
    code = seed.code[seed.overdue[TOWN_A]]
    _post(client, code, "outcome", INCLUDE, "town_a")
    r = _step(client, code, "pledge", today + dt.timedelta(days=1))
    assert r.status_code == 422 and "晚于今天" in r.json()["detail"]
    r = _post(client, code, "identification", {"step": "pledge", "date": "2026-13-01"}, "town_a")
    assert r.status_code == 422 and "YYYY-MM-DD" in r.json()["detail"]
    r = _post(client, code, "identification", {"step": "pledge"}, "town_a")
    assert r.status_code == 422 and "日期" in r.json()["detail"]
    assert _step(client, code, "pledge", paper["review"]).status_code == 200
    r = _step(client, code, "review", paper["pledge"], result="pass")
    assert r.status_code == 422 and "早于上一步「承诺授权」" in r.json()["detail"]
    r = _step(client, code, "review", paper["review"])
    assert r.status_code == 422 and "pass" in r.json()["detail"]  # a review needs its result
    assert _step(client, code, "review", paper["review"], result="pass").status_code == 200
    r = _step(client, code, "notice", paper["notice"])
    assert r.status_code == 422 and "结束日期" in r.json()["detail"]


def test_a_notice_shorter_than_five_working_days_is_422(client, seed, paper):
    code = seed.code[seed.overdue[TOWN_A]]
    _post(client, code, "outcome", INCLUDE, "town_a")
    _step(client, code, "pledge", paper["pledge"])
    _step(client, code, "review", paper["review"], result="pass")
    short = add_working_days(paper["notice"], 3)  # 4 working days, first day included
    r = _step(client, code, "notice", paper["notice"], end_date=short.isoformat())
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == (f"公示期不少于 5 个工作日：{paper['notice'].isoformat()} 至 "
                                  f"{short.isoformat()} 只有 4 个工作日")
    r = _step(client, code, "notice", paper["notice"], end_date=paper["notice_end"].isoformat())
    assert r.status_code == 200
    # The county confirms once the notice is over, never before its last day.
    early = _step(client, code, "confirm", paper["notice_end"] - dt.timedelta(days=1), who="admin")
    assert early.status_code == 422 and "「公示」" in early.json()["detail"]


def test_a_rejecting_review_waits_for_the_county_like_not_eligible(client, seed, ctx, paper):
    code = seed.code[seed.overdue[TOWN_A]]
    _post(client, code, "outcome", INCLUDE, "town_a")
    _step(client, code, "pledge", paper["pledge"])
    r = _step(client, code, "review", paper["review"], result="reject", note="评议未通过")
    assert r.json() == {"warning_id": code, "status": "pending_closure", "next_step": "closure"}
    assert _post(client, code, "closure", {"decision": "confirm"}, "admin").json()["status"] == "closed"
    assert [h["action"] for h in _history(client, code)] == [
        "outcome", "identification", "identification", "closure"]


def test_closure_is_the_county_admins_confirm_or_return(client, seed, ctx):
    w = seed.warnings[TOWN_A][1]
    code = seed.code[w]
    r = _post(client, code, "closure", {"decision": "confirm"}, "admin")
    assert r.status_code == 409 and "待县级确认销号" in r.json()["detail"]  # nothing to confirm yet
    assert _post(client, code, "outcome", REJECT, "town_a").json()["status"] == "pending_closure"
    for who in ("town_a", "analyst"):
        assert _post(client, code, "closure", {"decision": "confirm"}, who).status_code == 403
    assert _post(client, code, "closure", {"decision": "other"}, "admin").status_code == 422
    r = _post(client, code, "closure", {"decision": "return"}, "admin")
    assert r.status_code == 422 and "理由" in r.json()["detail"]
    r = _post(client, code, "closure", {"decision": "return", "reason": "家中新增大病患者，请重新核实"},
              "admin")
    assert r.json() == {"warning_id": code, "status": "open", "next_step": "outcome"}
    with session_scope(ctx.engine) as s:
        told = s.scalars(select(Notification).where(Notification.warning_id == w)
                         .order_by(Notification.id)).all()
        assert [(n.kind, n.audience, n.township) for n in told] == [
            ("awaiting_confirmation", "county", TOWN_A), ("returned", "township", TOWN_A)]
        assert "重新核实" in told[1].text
        assert s.scalar(select(VerificationTask.status).where(VerificationTask.warning_id == w)) \
            == "pending"
    assert _post(client, code, "outcome", REJECT, "town_a").json()["status"] == "pending_closure"
    assert _post(client, code, "closure", {"decision": "confirm", "reason": "同意"},
                 "admin").json()["status"] == "closed"
    assert _post(client, code, "outcome", INCLUDE, "town_a").status_code == 409
    history = _history(client, code, "town_a")
    assert [(h["action"], h["by"], h["to_status"]) for h in history] == [
        ("outcome", "town_a", "pending_closure"), ("closure", "admin", "open"),
        ("outcome", "town_a", "pending_closure"), ("closure", "admin", "closed")]
    assert history[1]["fields"] == {"decision": "return", "reason": "家中新增大病患者，请重新核实"}


def test_unreachable_keeps_open_sets_the_next_visit_and_escalates(client, seed, ctx, today):
    w = seed.overdue[TOWN_A]
    code = seed.code[w]
    after = ctx.settings["verification"]["unreachable_escalate_after"]
    for attempt in range(1, after + 2):
        r = _post(client, code, "outcome", UNREACHABLE, "town_a")
        assert r.json()["status"] == "open" and r.json()["task_status"] == "pending"
    with session_scope(ctx.engine) as s:
        task = s.scalar(select(VerificationTask).where(VerificationTask.warning_id == w))
        assert task.attempts == after + 1
        assert task.next_attempt == add_working_days(today, 1)
        told = s.scalars(select(Notification).where(Notification.warning_id == w)).all()
        assert [(n.kind, n.audience) for n in told] == [("escalated", "county")]  # once
    actions = [h["action"] for h in _history(client, code)]
    assert actions == ["unreachable"] * after + ["escalated", "unreachable"]
    # Reached at last: the outcome follows the attempts; the attempts stay in the history.
    assert _post(client, code, "outcome", INCLUDE, "town_a").json()["status"] == "identifying"
    assert _history(client, code)[-1]["action"] == "outcome"


def test_roles_and_isolation_on_every_loop_endpoint(client, seed, paper):
    code_b = seed.code[seed.overdue[TOWN_B]]
    code_a = seed.code[seed.overdue[TOWN_A]]
    for what, body in (("closure", {"decision": "confirm"}),
                       ("identification", {"step": "pledge", "date": paper["pledge"].isoformat()})):
        assert client.post(f"/api/warnings/{code_a}/{what}", json=body).status_code == 401
        assert _post(client, code_b, what, body, "town_a").status_code == 404  # another township
        assert _post(client, code_a, what, body, "engineer").status_code == 403
        assert _post(client, "W2026-10-99999", what, body, "admin").status_code == 404
    assert _post(client, code_a, "identification", {"step": "pledge", "date": "2026-01-01"},
                 "analyst").status_code == 403
    assert client.get(f"/api/warnings/{code_b}", headers=token_for(client, "town_a")).status_code == 404
    # An old integer URL still reaches the warning (308 to its code), for what the caller may see.
    r = client.post(f"/api/warnings/{seed.overdue[TOWN_A]}/closure", json={"decision": "confirm"},
                    headers=token_for(client, "admin"), follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"].endswith(f"/api/warnings/{code_a}/closure")


def test_identification_steps_are_append_only(ctx, seed):
    with session_scope(ctx.engine) as s:
        s.add(IdentificationStep(warning_id=seed.overdue[TOWN_A], round=1, step="pledge",
                                 day=dt.date(2026, 10, 9), actor="town_a"))
    for stmt in ("UPDATE identification_steps SET actor = 'x'", "DELETE FROM identification_steps",
                 "UPDATE warning_history SET actor = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"):
            with ctx.engine.begin() as conn:
                if stmt.startswith("UPDATE warning_history"):
                    conn.execute(text("INSERT INTO warning_history (warning_id, at, kind, actor) "
                                      f"VALUES ({seed.overdue[TOWN_A]}, CURRENT_TIMESTAMP, 'x', 'y')"))
                conn.execute(text(stmt))


def test_pages_show_status_history_and_the_next_steps_form(client, seed, paper):
    code = seed.code[seed.overdue[TOWN_A]]
    login(client, "town_a")
    r = client.post(f"/warnings/{code}/outcome", data=INCLUDE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/warnings/{code}?saved=1"
    page = client.get(f"/warnings/{code}").text
    assert "识别认定中" in page and "变更记录" in page and 'name="step" value="pledge"' in page
    r = client.post(f"/warnings/{code}/identification",
                    data={"step": "pledge", "date": "2099-01-01"}, follow_redirects=False)
    assert r.status_code == 422 and "晚于今天" in r.text  # the form again, with the message
    r = client.post(f"/warnings/{code}/identification",
                    data={"step": "pledge", "date": paper["pledge"].isoformat()},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/warnings/{code}?saved=pledge"
    page = client.get(f"/warnings/{code}?saved=pledge").text
    assert 'name="step" value="review"' in page and "已保存" in page
    assert "更正「承诺授权」" in page  # the latest step can be corrected from the page too
    fixed = paper["pledge"] + dt.timedelta(days=1)
    r = client.post(f"/warnings/{code}/identification",
                    data={"step": "pledge", "date": fixed.isoformat(), "note": "日期抄错"},
                    follow_redirects=False)
    assert r.status_code == 303
    history = _history(client, code, "town_a")
    assert [h["action"] for h in history] == ["outcome", "identification", "correction"]
    assert history[-1]["fields"] == {"step": "pledge", "date": fixed.isoformat(), "note": "日期抄错"}
    assert client.get("/verification").status_code == 403  # the county's desk


def test_the_county_desk_lists_what_waits_and_decides_there(client, seed, ctx):
    code = seed.code[seed.warnings[TOWN_B][1]]
    _post(client, code, "outcome", REJECT, "town_b")
    login(client, "admin")
    page = client.get("/verification").text
    assert code in page and "收入已超过监测线" in page and "待确认销号" in page
    r = client.post(f"/warnings/{code}/closure", data={"decision": "confirm", "back": "county"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/verification?saved=1"
    assert code not in client.get("/verification").text
    with session_scope(ctx.engine) as s:
        entries = s.scalars(select(WarningHistory.kind).where(
            WarningHistory.warning_id == seed.warnings[TOWN_B][1]).order_by(WarningHistory.id)).all()
        assert entries == ["outcome", "closure"]
