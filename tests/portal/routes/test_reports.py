"""Self-reports and staff leads through the API and the lead form, on SQLite and PostgreSQL:
the contracts, the 422s naming their field, scope per role, limits, and what is stored."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from portal.principal import Principal
from portal.reports import RECEIPT_ALPHABET
from tests.portal.conftest import ORIGIN, TOWN_A, TOWN_B, login, token_for
from tests.portal.reports_seed import new_person, report_body, seed_places, use_settings
from tests.support.warehouse import SyntheticIds, plaintext_columns
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.models import AuditLog, RiskWarning, User
from warehouse.sensitive import RESIDENT_ID

RECEIPT = re.compile(f"[{RECEIPT_ALPHABET}]{{10}}")


@pytest.fixture
def ids(seed) -> SyntheticIds:
    """New people's IDs, appended to the seed's list of IDs that must never leak."""
    return SyntheticIds(plain=seed.plain_ids)


def make_client(ctx, monkeypatch, **settings) -> TestClient:
    """A TestClient over the seeded warehouse with these settings (challenge off by default)."""
    from portal.app import create_app

    use_settings(ctx, monkeypatch, portal={"report_challenge": False, **settings.pop("portal", {})},
                 **settings)
    return TestClient(create_app(ctx), base_url=ORIGIN, headers={"Origin": ORIGIN})


@pytest.fixture
def client(ctx, seed, monkeypatch):
    """The portal with places, village and grid accounts, and the challenge off."""
    seed_places(ctx)
    with make_client(ctx, monkeypatch) as c:
        yield c


def stored(ctx, receipt: str) -> ChannelInput:
    """The row of ``receipt``, read as the owner (the pipeline's view)."""
    with session_scope(ctx.engine) as s:
        row = s.scalar(select(ChannelInput).where(ChannelInput.receipt == receipt))
        s.expunge(row)
        return row


def test_a_self_report_is_sealed_stored_and_read_back_in_words(client, ctx, ids, seed):
    rid, phone = new_person(ids, 1), "13912340001"
    r = client.post("/api/reports", json=report_body(rid, phone))
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt"]
    assert RECEIPT.fullmatch(receipt) and list(r.json()) == ["receipt"]

    row = stored(ctx, receipt)
    vault = ctx.vault()
    assert (row.channel, row.township, row.village, row.risk_type, row.submitted_by) == (
        "self_report", TOWN_A, "龙河村1", "illness", None)  # 龙河 → its official name
    assert row.id_index == vault.blind(RESIDENT_ID, rid) and row.id_status == "ok"
    assert vault.open("resident_id", row.id_cipher, f"channel_inputs.id_cipher:{row.uid}") == rid
    assert row.phone_index == vault.blind("phone", phone)
    assert (row.id_masked, row.phone_masked) == (rid[:6] + "********" + rid[-4:], "139****0001")
    assert rid not in row.description and phone not in row.description
    spaced = client.post("/api/reports", json=report_body(
        rid, phone, description=f"身份证 {rid[:6]} {rid[6:14]} {rid[14:]}，电话 {phone}"))
    assert stored(ctx, spaced.json()["receipt"]).description == (
        f"身份证 {rid[:6]}********{rid[-4:]}，电话 139****0001")
    assert "139****0001" in row.description and row.township_id and row.village_id
    assert re.fullmatch(r"20\d\d-\d\d", row.period) and row.merged_at is None

    status = client.get(f"/api/reports/{receipt.lower()}")  # as typed: lower case is fine
    assert status.status_code == 200
    assert status.json() | {"received_on": None} == {
        "receipt": receipt, "stage": "received", "status": "已收到", "received_on": None}
    page = client.get("/report/status", params={"receipt": receipt})
    assert page.status_code == 200 and "已收到" in page.text and "周小梅" not in page.text
    assert plaintext_columns(ctx.engine, [rid, phone]) == []


@pytest.mark.parametrize("merged, result, warning_status, words", [
    (False, None, None, "已收到"), (True, "unmatched", None, "已收到"),
    (True, "lead", None, "已交乡镇"), (True, "duplicate", "open", "已交乡镇"),
    (True, "warning", "verifying", "核实中"), (True, "warning", "identifying", "核实中"),
    (True, "warning", "closed", "已办结"), (True, "duplicate", "withdrawn", "已办结")])
def test_the_status_follows_the_merge_and_the_warning(client, ctx, ids, seed, merged, result,
                                                      warning_status, words):
    receipt = client.post("/api/reports", json=report_body(new_person(ids, 2),
                                                            "13912340002")).json()["receipt"]
    warning_id = seed.warnings[TOWN_A][1]
    with session_scope(ctx.engine) as s:  # what the daily merge (the owner) writes
        if warning_status:
            s.execute(update(RiskWarning).where(RiskWarning.id == warning_id)
                      .values(status=warning_status))
        if merged:
            s.execute(update(ChannelInput).where(ChannelInput.receipt == receipt).values(
                merged_at=ChannelInput.received_at, merge_result=result,
                warning_id=warning_id if warning_status else None))
    answer = client.get(f"/api/reports/{receipt}")
    assert answer.status_code == 200 and answer.json()["status"] == words
    assert seed.code[warning_id] not in answer.text  # the reporter reads words, not codes


def test_wrong_fields_answer_422_in_chinese_naming_the_field(client, ctx, ids, seed):
    rid, phone = new_person(ids, 3), "13912340003"
    bad_check = rid[:17] + ("0" if rid[17] != "0" else "1")
    cases = [
        ({"resident_id": bad_check}, "resident_id", "校验位"),
        ({"resident_id": ""}, "resident_id", "请填写身份证号"),
        ({"resident_id": rid[:15] + "X"}, "resident_id", "身份证号"),
        ({"name": ""}, "name", "请填写姓名"),
        ({"name": "   "}, "name", "请填写姓名"),
        ({"name": "周" + rid}, "name", "姓名不能含数字"),
        ({"township": "青龙镇"}, "township", "本县没有乡镇“青龙镇”"),
        ({"township": ""}, "township", "请选择乡镇"),
        ({"village": "三合村1"}, "village", "龙河镇没有村（社区）“三合村1”"),
        ({"phone": "12345"}, "phone", "联系电话"),
        ({"phone": None}, "phone", "请填写联系电话"),
        ({"risk_type": "wealth"}, "risk_type", "遇到的困难"),
        ({"description": "长" * 501}, "description", "不能超过 500 个字符"),
        ({"description": "a\x00b"}, "description", "控制字符"),
        ({"name": 7}, "name", "姓名应为文字"),
    ]
    for change, field, words in cases:
        r = client.post("/api/reports", json={**report_body(rid, phone), **change})
        assert r.status_code == 422, (change, r.text)
        assert r.json()["field"] == field and words in r.json()["detail"], (change, r.json())
        assert rid not in r.text and bad_check not in r.text and phone not in r.text
    for body in (["not", "an", "object"], "x"):
        r = client.post("/api/reports", json=body)
        assert r.status_code == 422 and "JSON" in r.json()["detail"]
    r = client.post("/api/reports", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(ChannelInput.id)) is None  # nothing refused was stored


def test_a_body_beyond_the_cap_is_refused_before_it_is_read(client, ids, seed):
    r = client.post("/api/reports", content=b'{"name": "' + b"x" * 20000 + b'"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "太长" in r.json()["detail"]


def test_receipts_that_are_not_ours_are_404_without_echo(client):
    for code in ("ABCDEFGHJK", "short", "x" * 30, "OIL0OIL0OI"):
        r = client.get(f"/api/reports/{code}")
        assert r.status_code == 404 and code not in r.text
    assert client.get("/api/reports/<script>").status_code == 422  # not even shaped like one
    assert client.get(f"/api/reports/{'A' * 33}").status_code == 422
    page = client.get("/report/status", params={"receipt": "ABCDEFGHJK"})
    assert page.status_code == 404 and "没有这个回执号" in page.text


def test_per_address_limits_answer_429(ctx, seed, ids, monkeypatch):
    seed_places(ctx)
    limits = {"submit": {"max": 2, "window_seconds": 3600},
              "attempt": {"max": 4, "window_seconds": 600},
              "lookup": {"max": 3, "window_seconds": 600},
              "challenge": {"max": 2, "window_seconds": 600}}
    with make_client(ctx, monkeypatch, reports={"rate_limits": limits}) as c:
        codes = [c.post("/api/reports", json=report_body(new_person(ids, 10 + n),
                                                         f"1391234001{n}")).status_code
                 for n in range(3)]
        assert codes == [201, 201, 429]  # two filed this hour from this address
        assert [c.get("/api/reports/ABCDEFGHJK").status_code for _ in range(4)] == [
            404, 404, 404, 429]
        assert [c.get("/api/reports/challenge").status_code for _ in range(3)] == [200, 200, 429]
        r = c.get("/api/reports/ABCDEFGHJK")
        assert r.status_code == 429 and "秒后再试" in r.json()["detail"]


def test_leads_per_role_and_scope(client, ctx, ids, seed):
    def lead(user: str | None, **changes):
        body = {"channel": "hotline", "name": "吴大山", "township": TOWN_A, "village": "龙河村1",
                "risk_type": "因病", "description": "热线来电，称家中老人病重"}
        body.update(changes)
        return client.post("/api/leads", json=body, headers=token_for(client, user) if user else {})

    rid = new_person(ids, 20)
    r = lead("admin", resident_id=rid, channel="petition", township="三合", village="三合村2")
    assert r.status_code == 201, r.text
    row = stored(ctx, r.json()["receipt"])
    assert (row.channel, row.township, row.submitted_by, row.risk_type, row.grid) == (
        "petition", TOWN_B, "admin", "illness", None)
    assert row.id_index == ctx.vault().blind(RESIDENT_ID, rid)

    assert lead("analyst").status_code == 201
    assert lead("town_a").status_code == 201
    assert lead("town_a", township=TOWN_B, village="三合村1").status_code == 404
    assert lead("town_b").status_code == 404
    assert lead("village_a").status_code == 201
    assert lead("village_a", village="龙河村2").status_code == 404
    r = lead("grid_a", channel="grid")
    assert r.status_code == 201
    assert (stored(ctx, r.json()["receipt"]).grid, stored(ctx, r.json()["receipt"]).channel) == (
        "一组", "grid")
    assert lead("grid_a", village="龙河村2").status_code == 404
    assert lead("engineer").status_code == 403
    assert lead(None).status_code == 401

    r = lead("admin", channel="self_report")
    assert r.status_code == 422 and r.json()["field"] == "channel"
    r = lead("admin", resident_id=rid[:17] + ("1" if rid[17] == "0" else "0"))
    assert r.status_code == 422 and r.json()["field"] == "resident_id"
    r = lead("admin", resident_id=None, phone=None)  # a lead may not know the ID or phone
    assert r.status_code == 201 and stored(ctx, r.json()["receipt"]).id_cipher is None
    with session_scope(ctx.engine) as s:
        audited = s.scalars(select(AuditLog.actor).where(AuditLog.action == "file_lead")).all()
    assert sorted(audited) == sorted(["admin", "analyst", "town_a", "village_a", "grid_a",
                                      "admin"])
    assert plaintext_columns(ctx.engine, [rid]) == []


def test_each_township_reads_only_its_own_inputs_and_the_public_only_by_receipt(client, ctx,
                                                                                ids, seed):
    """On PostgreSQL the row policies of migration 0011 hold under the portal role too."""
    portal = client.app.state.portal
    mine = client.post("/api/reports", json=report_body(new_person(ids, 30), "13912340030")
                       ).json()["receipt"]
    theirs = client.post("/api/reports", json=report_body(
        new_person(ids, 31), "13912340031", township=TOWN_B, village="三合村1")).json()["receipt"]
    from portal.reports import allow_receipt

    def visible(principal: Principal | None, receipt: str | None = None) -> set[str]:
        with portal.session(principal) as s:
            if receipt:
                allow_receipt(s, portal.settings, receipt)
            return set(s.scalars(select(ChannelInput.receipt)).all())

    def principal(name: str) -> Principal:
        with session_scope(ctx.engine) as s:
            return Principal.of(s.scalar(select(User).where(User.name == name)))

    if ctx.engine.dialect.name == "postgresql":
        assert visible(principal("town_a")) == {mine}
        assert visible(principal("town_b")) == {theirs}
        assert visible(None) == set()
        assert visible(None, theirs) == {theirs}
    assert visible(principal("admin")) == {mine, theirs}


def test_the_lead_form_files_a_lead_and_shows_its_receipt(client, ctx, ids, seed):
    login(client, "town_a")
    page = client.get("/leads/new")
    assert page.status_code == 200 and "登记线索" in page.text
    assert "三合街道" not in page.text  # a township's form offers its own places only
    rid = new_person(ids, 40)
    form = {"channel": "cadre", "name": "钱二", "resident_id": rid, "phone": "13912340040",
            "township": TOWN_A, "village": "龙河村2", "risk_type": "housing",
            "description": "房屋开裂", "csrf_token": client.headers["X-CSRF-Token"]}
    r = client.post("/leads", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    receipt = r.headers["location"].split("receipt=")[1]
    shown = client.get(r.headers["location"])
    assert receipt in shown.text and "已登记" in shown.text
    assert stored(ctx, receipt).submitted_by == "town_a"

    wrong = client.post("/leads", data={**form, "resident_id": rid[:17] + (
        "1" if rid[17] == "0" else "0")}, follow_redirects=False)
    assert wrong.status_code == 422 and "校验位" in wrong.text
    assert rid[:17] not in wrong.text and "13912340040" not in wrong.text  # nothing typed echoed
    assert "钱二" in wrong.text  # the rest stays filled in
    echoed = client.get("/leads/new", params={"receipt": "<b>点这里</b>"})
    assert "点这里" not in echoed.text
    client.headers.pop("X-CSRF-Token")
    r = client.post("/leads", data={k: v for k, v in form.items() if k != "csrf_token"},
                    follow_redirects=False)
    assert r.status_code == 403


def test_the_public_form_offers_the_countys_places_prefilled_from_the_poster(client):
    page = client.get("/report", params={"township": "龙河", "village": "龙河村2"})
    assert page.status_code == 200
    assert '<option value="龙河镇" selected>' in page.text
    assert 'data-township="龙河镇" selected>龙河村2' in page.text
    assert "孩子不上学了" in page.text and 'value="schooling"' in page.text
    assert 'data-challenge="0"' in page.text
    unknown = client.get("/report", params={"township": "<i>x</i>", "village": "y"})
    assert unknown.status_code == 200 and "<i>x</i>" not in unknown.text
