"""The household's case through /api/households/{household_no} and its page, on SQLite and
PostgreSQL: roles and isolation on every route, the cadre limit, the seeds' checks, a walk to
风险已消除 with its history, the refusal for a household nobody can work in, sealed phones."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.portal.conftest import TOWN_A, TOWN_B, login, token_for
from tests.portal.help_seed import CADRE_PHONE, paper_dates, seed_cases
from tests.support.warehouse import plaintext_columns
from warehouse.db import session_scope
from warehouse.help_tables import EliminationStep, HelpContact, HelpVisit
from warehouse.models import AuditLog, Household, HouseholdHistory, RiskWarning
from warehouse.notification_tables import Notification


@pytest.fixture
def cases(ctx, seed):
    """The monitored households, on top of the portal's seed."""
    return seed_cases(ctx, seed)


def _api(client, method: str, no: str, what: str = "", body: dict | None = None,
         who: str | None = "town_a"):
    headers = token_for(client, who) if who else {}
    path = f"/api/households/{no}" + (f"/{what}" if what else "")
    return client.request(method, path, json=body, headers=headers)


def _walk_to_plan(client, no: str, who: str = "town_a") -> None:
    """Contact, a 开发式 measure, the county's approval and a visit."""
    day = paper_dates(client.app.state.portal.settings)["review"]
    for what, body, by in (
            ("contact", {"cadre": "赵干部", "phone": CADRE_PHONE}, who),
            ("measures", {"policy": "公益性岗位", "start_date": day.isoformat(), "note": "村保洁员"}, who),
            ("plan", {"decision": "approve"}, "admin"),
            ("visits", {"date": day.isoformat(), "mode": "visit", "income_month": 1800}, who)):
        r = _api(client, "POST", no, what, body, by)
        assert r.status_code == 200, (what, r.text)


BODIES = {
    "contact": {"cadre": "钱干部", "phone": "13900139000"},
    "measures": {"policy": "公益性岗位", "start_date": "2026-01-05"},
    "plan": {"decision": "approve"},
    "visits": {"date": "2026-01-05", "mode": "phone"},
    "elimination": {"step": "review", "date": "2026-01-05", "result": "pass"},
}


def test_every_route_answers_by_role_and_scope(client, cases):
    """401 without a token, 404 outside the township, 403 for roles that may not act, and a
    refused or wrong call changes no row."""
    own, other = cases.able[TOWN_A], cases.able[TOWN_B]
    assert _api(client, "GET", own, who=None).status_code == 401
    assert _api(client, "GET", own).status_code == 200
    assert _api(client, "GET", other).status_code == 404
    assert _api(client, "GET", "99999999").status_code == 404
    assert _api(client, "GET", own, who="engineer").status_code == 403
    assert _api(client, "GET", other, who="analyst").status_code == 200
    for what, body in BODIES.items():
        assert _api(client, "POST", own, what, body, who=None).status_code == 401, what
        assert _api(client, "POST", other, what, body).status_code == 404, what
        assert _api(client, "POST", own, what, body, who="engineer").status_code == 403, what
        assert _api(client, "POST", own, what, body, who="analyst").status_code == 403, what
    # The county decides plans; a township may not.
    assert _api(client, "POST", own, "plan", BODIES["plan"]).status_code == 403
    case = _api(client, "GET", own).json()
    assert case["contact"] is None and case["measures"] == [] and case["visits"] == []
    # Pages: another township's household is absent, one's own renders.
    login(client, "town_a")
    assert client.get(f"/households/{other}").status_code == 404
    page = client.get(f"/households/{own}")
    assert page.status_code == 200 and "帮扶联系人" in page.text


def test_walk_to_eliminated_appends_history(client, cases, ctx):
    """contact → measure → county approval → visit → review → notice → county confirmation:
    the household is 风险已消除, with a new household_history row and the steps kept."""
    no = cases.able[TOWN_A]
    d = paper_dates(ctx.settings)
    r = _api(client, "POST", no, "elimination", {"step": "review", "date": d["review"].isoformat(),
                                                 "result": "pass"})
    assert r.status_code == 409 and "帮扶联系人" in r.json()["detail"]
    _walk_to_plan(client, no)
    case = _api(client, "GET", no).json()
    assert case["contact"] == {"cadre": "赵干部", "phone": "138****8000",
                               "since": d["today"].isoformat()}
    assert [m["kind"] for m in case["measures"]] == ["开发式"]
    assert case["plan"]["status"] == "approve" and case["checks"]["missing_kind"] is None
    assert case["workers"] == 2 and case["elimination"]["next_step"] == "review"
    assert {"policy", "kind", "reason"} <= set(case["suggested_policies"][0])
    steps = [("review", {"date": d["review"].isoformat(), "result": "pass"}, "town_a"),
             ("notice", {"date": d["notice"].isoformat(),
                         "end_date": d["notice_end"].isoformat()}, "town_a")]
    for step, body, who in steps:
        assert _api(client, "POST", no, "elimination", {"step": step, **body}, who).status_code == 200
    confirm = {"step": "confirm", "date": d["confirm"].isoformat()}
    assert _api(client, "POST", no, "elimination", confirm, "town_a").status_code == 403
    r = _api(client, "POST", no, "elimination", confirm, "admin")
    assert r.status_code == 200, r.text
    assert r.json()["risk_status"] == "风险已消除" and r.json()["open_case"] is False
    # Nothing more is recorded on an eliminated household.
    assert _api(client, "POST", no, "visits", BODIES["visits"]).status_code == 409
    with session_scope(ctx.engine) as s:
        hid = s.scalar(select(Household.id).where(Household.household_no == no))
        history = s.execute(select(HouseholdHistory.risk_status, HouseholdHistory.valid_to)
                            .where(HouseholdHistory.household_id == hid)
                            .order_by(HouseholdHistory.id)).all()
        assert [h[0] for h in history] == ["风险未消除", "风险已消除"]
        assert history[0][1] is not None and history[1][1] is None
        assert [e.step for e in s.scalars(select(EliminationStep).where(
            EliminationStep.household_id == hid))] == ["review", "notice", "confirm"]
        assert s.scalar(select(Notification).where(Notification.text.contains("风险消除公示")))
        assert {"help_contact", "help_plan", "help_elimination"} <= set(s.scalars(
            select(AuditLog.action).where(AuditLog.object_type == "household")))


def test_nobody_able_to_work_is_never_eliminated(client, cases, ctx):
    """Seed 000 step 5: a household with nobody able to work stays monitored (409); its check
    asks for a 兜底 measure, which a 开发式 one does not satisfy."""
    no = cases.unable
    d = paper_dates(ctx.settings)
    case = _api(client, "POST", no, "measures", {"policy": "公益性岗位",
                                                  "start_date": d["review"].isoformat()}).json()
    assert case["workers"] == 0 and case["checks"]["missing_kind"] == "兜底"
    assert "兜底" in case["checks"]["message"]
    assert case["elimination"]["refused"] == "无劳动能力户暂不标注风险消除"
    r = _api(client, "POST", no, "elimination", {"step": "review", "date": d["review"].isoformat(),
                                                 "result": "pass"})
    assert r.status_code == 409 and r.json()["detail"] == "无劳动能力户暂不标注风险消除"
    case = _api(client, "POST", no, "measures", {"policy": "低保",
                                                  "start_date": d["review"].isoformat()}).json()
    assert case["checks"]["missing_kind"] is None


def test_able_household_needs_a_development_measure(client, cases, ctx):
    """Someone able to work: a 兜底 measure alone is flagged as missing 开发式."""
    no = cases.able[TOWN_A]
    case = _api(client, "POST", no, "measures", {"policy": "医疗救助",
                                                  "start_date": "2026-01-05"}).json()
    assert case["checks"]["missing_kind"] == "开发式"
    r = _api(client, "POST", no, "measures", {"policy": "不存在的政策", "start_date": "2026-01-05"})
    assert r.status_code == 422 and "政策清单" in r.json()["detail"]


def test_a_cadre_contacts_at_most_two_households(client, cases, ctx, seed):
    """Seed 000: one cadre, at most two households; the same phone is the same cadre (409 on
    the third), and the phone is stored sealed, shown masked."""
    for no in (cases.able[TOWN_A], cases.unable):
        assert _api(client, "POST", no, "contact", {"cadre": "孙干部", "phone": CADRE_PHONE}
                    ).status_code == 200
    third = seed_cases(ctx, seed, n0=600).able[TOWN_A]
    r = _api(client, "POST", third, "contact", {"cadre": "孙干部", "phone": CADRE_PHONE})
    assert r.status_code == 409 and "最多联系 2 户" in r.json()["detail"]
    # Reassigning one of the two frees the cadre.
    assert _api(client, "POST", cases.unable, "contact", {"cadre": "周干部", "phone": "13700137000"}
                ).status_code == 200
    assert _api(client, "POST", third, "contact", {"cadre": "孙干部", "phone": CADRE_PHONE}
                ).status_code == 200
    assert plaintext_columns(ctx.engine, [CADRE_PHONE, "13700137000", *seed.plain_ids]) == []
    with session_scope(ctx.engine) as s:
        rows = list(s.scalars(select(HelpContact)))
        assert len(rows) == 4 and all(r.phone_cipher and r.phone_index for r in rows)


def test_visits_and_history_are_append_only(client, cases, ctx):
    """A visit is a new row; the table refuses UPDATE and DELETE (triggers)."""
    no = cases.able[TOWN_A]
    r = _api(client, "POST", no, "visits", {"date": "2026-01-05", "mode": "walk"})
    assert r.status_code == 422 and r.json()["detail"].startswith("mode")
    r = _api(client, "POST", no, "visits", {"date": "2999-01-05", "mode": "visit"})
    assert r.status_code == 422
    assert _api(client, "POST", no, "visits", {"date": "2026-01-05", "mode": "visit",
                                               "note": "电话13800138000"}).status_code == 200
    with session_scope(ctx.engine) as s:
        visit = s.scalar(select(HelpVisit))
        assert "13800138000" not in (visit.note or "")
    from sqlalchemy.exc import DBAPIError, IntegrityError

    for sql in ("UPDATE help_visits SET mode = 'phone'", "DELETE FROM help_visits"):
        with pytest.raises((DBAPIError, IntegrityError)):
            with ctx.engine.begin() as conn:
                conn.exec_driver_sql(sql)


def test_case_page_forms_walk_with_csrf(client, cases, ctx):
    """The page's forms record a contact and show it; a refused elimination shows its reason."""
    no = cases.unable
    login(client, "town_a")
    r = client.post(f"/households/{no}/contact", data={"cadre": "吴干部", "phone": "13600136000"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(f"/households/{no}").text
    assert "吴干部" in page and "136****6000" in page and "13600136000" not in page
    r = client.post(f"/households/{no}/elimination",
                    data={"step": "review", "date": "2026-01-05", "result": "pass"})
    assert r.status_code == 409 and "无劳动能力户暂不标注风险消除" in r.text


def test_key_rotation_reseals_the_cadres_phone(client, cases, ctx, monkeypatch, capsys):
    """`shouwang keys rotate` may rewrite the sealed pair of the append-only help_contacts (and
    nothing else): the phone opens under the new key and still names the same cadre."""
    from shouwang.cli import main
    from tests.warehouse.test_keys import use_key_file
    from warehouse.sensitive import PHONE, aad

    no = cases.able[TOWN_A]
    assert _api(client, "POST", no, "contact", {"cadre": "褚干部", "phone": CADRE_PHONE}
                ).status_code == 200
    old = ctx.vault()
    ctx.engine.dispose()
    assert main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), "keys", "rotate"]) == 0
    assert "help_contacts" in capsys.readouterr().out
    new = use_key_file(monkeypatch, ctx.home)
    with session_scope(ctx.engine) as s:
        row = s.scalar(select(HelpContact))
        assert row.phone_index == new.blind(PHONE, CADRE_PHONE) != old.blind(PHONE, CADRE_PHONE)
        assert new.open(PHONE, row.phone_cipher, aad("help_contacts", "phone_cipher", row.uid)) \
            == CADRE_PHONE
        assert row.cadre == "褚干部" and row.phone_masked == "138****8000"


def test_the_case_shows_its_clocks_from_the_default_rules(client, cases, ctx):
    """With the default rules' help clocks: entry starts the contact, plan, measures and visit
    clocks; the contact stops its own and starts the warning's 动态清零 clock (orange: difficult)."""
    from screening import clocks

    no = cases.able[TOWN_A]
    day = paper_dates(ctx.settings)["today"]
    with session_scope(ctx.engine) as s:
        wid = s.scalar(select(RiskWarning.id).where(RiskWarning.code == cases.warning[no]))
        clocks.on_event(s, wid, "entered", day, ctx.settings)
    case = _api(client, "POST", no, "contact", {"cadre": "卫干部"}).json()
    shown = {c["clock"]: c for c in case["clocks"]}
    assert shown["help_contact"]["stopped_on"] == day.isoformat()
    assert shown["help_contact"]["label"] == "确定帮扶联系人"
    for running in ("help_plan", "help_measures", "help_visit", "clear_difficult"):
        assert shown[running]["stopped_on"] is None, running
    assert "clear_ordinary" not in shown and "clear_special" not in shown
