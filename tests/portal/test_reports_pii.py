"""No resident ID or phone in plain text after a day of reports and leads: not in the tables
(both databases), not in the SQLite files, and not in any log line — uvicorn's access and
error logs and SQLAlchemy's statements with their parameters, all at DEBUG."""
from __future__ import annotations

import logging
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from tests.portal.conftest import PASSWORD, TOWN_A
from tests.portal.reports_seed import new_person, report_body, seed_places, use_settings
from tests.support.pii import find_plaintext
from tests.support.warehouse import SyntheticIds, plaintext_columns


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(ctx, seed, monkeypatch, caplog):
    """The portal under a real uvicorn in this process, every logger at DEBUG into caplog."""
    from portal.app import create_app

    seed_places(ctx)
    # A village office kiosk: no challenge, many reports from one address.
    use_settings(ctx, monkeypatch, portal={"report_challenge": False},
                 reports={"rate_limits": {"submit": {"max": 100, "window_seconds": 3600},
                                          "attempt": {"max": 100, "window_seconds": 600}}})
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its loggers at WARNING unless asked: each statement and its parameters.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    port = _free_port()
    config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_config=None,
                            log_level="debug", access_log=True)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=20)


def test_a_day_of_reports_leaves_no_id_or_phone_in_plain_text(server, ctx, seed, home, caplog,
                                                              tmp_path):
    ids = SyntheticIds(plain=seed.plain_ids)
    secrets: list[str] = []
    with httpx.Client(base_url=server, timeout=30) as http:
        for n in range(6):
            rid, phone = new_person(ids, 60 + n), f"1391234{n:04d}"
            secrets += [rid, phone]
            body = report_body(rid, phone, village=["龙河村1", "龙河村2"][n % 2])
            assert http.post("/api/reports", json=body).status_code == 201
        wrong = secrets[0][:17] + ("0" if secrets[0][17] != "0" else "1")
        assert http.post("/api/reports", json=report_body(wrong, secrets[1])).status_code == 422
        token = http.post("/api/token", data={"username": "town_a", "password": PASSWORD}
                          ).json()["access_token"]
        lead_id = new_person(ids, 70)
        secrets += [lead_id, "13812345670"]
        r = http.post("/api/leads", headers={"Authorization": f"Bearer {token}"}, json={
            "channel": "hotline", "name": "吴大山", "resident_id": lead_id,
            "phone": "13812345670", "township": TOWN_A, "village": "龙河村1",
            "risk_type": "illness", "description": f"来电人电话 13812345670，身份证 {lead_id}"})
        assert r.status_code == 201
        assert http.get(f"/api/reports/{r.json()['receipt']}").status_code == 200

    logs = caplog.text
    assert '"POST /api/reports HTTP/1.1" 201' in logs  # uvicorn's access log was heard
    assert "INSERT INTO channel_inputs" in logs  # and the statements with their parameters
    leaked = [s[:6] + "…" for s in secrets + [wrong] if s in logs]
    assert leaked == [], f"IDs or phones in the log: {leaked}"
    assert plaintext_columns(ctx.engine, secrets + [wrong]) == []
    log_file = tmp_path / "portal.log"
    log_file.write_text(logs, encoding="utf-8")
    assert find_plaintext([home, log_file, *_sqlite_file(ctx)], secrets + [wrong]) == []


def _sqlite_file(ctx) -> list:
    """The SQLite warehouse file (with its -wal beside it, which the scanner adds)."""
    from pathlib import Path

    if not ctx.warehouse.startswith("sqlite:///"):
        return []
    return [Path(ctx.warehouse.removeprefix("sqlite:///"))]
