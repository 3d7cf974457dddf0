"""The self-hosted proof of work (ALTCHA v1) before a public report: solved honestly by brute
force here, as the page's script does; tampered, expired and replayed solutions refused."""
from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from portal.report_challenge import Challenges
from tests.portal.conftest import ORIGIN
from tests.portal.reports_seed import new_person, report_body, seed_places, solve, use_settings
from tests.support.warehouse import SyntheticIds
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_solution_is_accepted_once_and_only_while_fresh():
    clock = Clock()
    ch = Challenges(b"k" * 16, max_number=2000, expires_seconds=600, clock=clock)
    first = ch.issue()
    assert first["algorithm"] == "SHA-256" and first["maxnumber"] == 2000
    assert first["salt"].endswith(f"?expires={int(clock.now) + 600}&")
    good = solve(first)
    assert ch.verify(good) is True
    assert ch.verify(good) is False  # replayed

    late = ch.issue()
    clock.now += 601
    assert ch.verify(solve(late)) is False  # expired


@pytest.mark.parametrize("tamper", ["signature", "number", "salt", "algorithm", "foreign_key",
                                    "garbage", "type"])
def test_forged_solutions_are_refused(tamper):
    ch = Challenges(b"k" * 16, max_number=2000, expires_seconds=600)
    issued = ch.issue()
    if tamper == "signature":
        payload = solve(issued, signature="0" * 64)
    elif tamper == "number":
        payload = solve(issued, number=(json.loads(base64.b64decode(solve(issued)))["number"] + 1))
    elif tamper == "salt":  # a later expiry written into the salt breaks the hash
        payload = solve(issued, salt=issued["salt"].replace("expires=", "expires=9"))
    elif tamper == "algorithm":
        payload = solve(issued, algorithm="SHA-1")
    elif tamper == "foreign_key":  # a challenge signed by another server's key
        payload = solve(Challenges(b"x" * 16, 2000, 600).issue())
    elif tamper == "garbage":
        payload = "not base64!"
    else:
        payload = solve(issued, number="12")
    assert ch.verify(payload) is False
    assert ch.verify(None) is False and ch.verify({"number": 1}) is False


def test_with_the_challenge_on_a_report_needs_a_solved_challenge(ctx, seed, monkeypatch):
    seed_places(ctx)
    use_settings(ctx, monkeypatch, reports={"challenge": {"max_number": 3000,
                                                          "expires_seconds": 600}})
    assert ctx.settings["portal"]["report_challenge"] is True  # the default
    from portal.app import create_app

    ids = SyntheticIds(plain=seed.plain_ids)
    body = report_body(new_person(ids, 50), "13912340050")
    with TestClient(create_app(ctx), base_url=ORIGIN) as c:
        page = c.get("/report")
        assert 'data-challenge="1"' in page.text
        r = c.post("/api/reports", json=body)
        assert r.status_code == 403 and "安全验证" in r.json()["detail"]
        challenge = c.get("/api/reports/challenge").json()
        payload = solve(challenge)
        r = c.post("/api/reports", json={**body, "altcha": payload})
        assert r.status_code == 201, r.text
        assert c.post("/api/reports", json={**body, "altcha": payload}).status_code == 403
    with session_scope(ctx.engine) as s:
        assert s.scalar(select(func.count(ChannelInput.id))) == 1
