"""From the page to the township's list: a self-report filed through the public API by someone
on the roster reaches that household's township list after `shouwang daily`, the reporter reads
已交乡镇 by receipt, and a second report of the same risk adds evidence, not a line."""
from __future__ import annotations

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from shouwang.cli import main
from shouwang.core.clock import today
from tests.portal.conftest import ORIGIN
from tests.portal.reports_seed import add_places, use_settings
from tests.screening.channels.factory import Reports
from tests.support.pii import find_plaintext
from tests.support.warehouse import plaintext_columns
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.models import RiskWarning, WarningEvidence


def _lines(folder, day) -> list[str]:
    """Every data line of 龙河镇's list for ``day``, its cells joined."""
    wb = load_workbook(folder / "daily" / day / f"龙河镇_{day}_预警核查清单.xlsx")
    out = []
    for ws in wb.worksheets:
        rows = [r for r in ws.iter_rows(values_only=True)]
        header = next(i for i, r in enumerate(rows) if r and r[0] == "村")
        out += ["|".join("" if c is None else str(c) for c in r) for r in rows[header + 1:]
                if any(r)]
    return out


def test_a_report_on_the_page_reaches_the_next_day_list_once(ctx, monkeypatch, tmp_path):
    from portal.app import create_app

    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    head_id = county.plain_ids[0]
    add_places(ctx, {"龙河镇": ["双河村", "石桥村"]})
    use_settings(ctx, monkeypatch, portal={"report_challenge": False})
    day = today(ctx.settings).isoformat()
    body = {"name": "张三", "resident_id": head_id, "phone": "13912345678", "township": "龙河",
            "village": "双河村", "risk_type": "家里有人生了大病或者受了重伤",
            "description": "胃癌住院，花了六万"}

    def daily() -> None:
        assert main(["--warehouse", ctx.warehouse, "daily", "--date", day,
                     "--out", str(tmp_path / "out")]) == 0

    with TestClient(create_app(ctx), base_url=ORIGIN) as c:
        first = c.post("/api/reports", json=body).json()["receipt"]
        assert c.get(f"/api/reports/{first}").json()["status"] == "已收到"
        daily()
        assert c.get(f"/api/reports/{first}").json()["status"] == "已交乡镇"
        lines = _lines(tmp_path / "out", day)
        assert len(lines) == 1 and "500230001001000001" in lines[0] and "张三" in lines[0]
        assert f"self_report:{first}" in lines[0] and head_id not in lines[0]

        second = c.post("/api/reports", json={**body, "description": "又住院了"}).json()["receipt"]
        daily()
        lines = _lines(tmp_path / "out", day)
        assert len(lines) == 1 and f"self_report:{second}" in lines[0]
        assert c.get(f"/api/reports/{second}").json()["status"] == "已交乡镇"
    with session_scope(ctx.engine) as s:
        rows = {r.receipt: r for r in s.scalars(select(ChannelInput))}
        assert (rows[first].merge_result, rows[second].merge_result) == ("warning", "duplicate")
        assert rows[first].warning_id == rows[second].warning_id
        assert s.scalar(select(func.count(RiskWarning.id))) == 1
        assert s.scalar(select(func.count(WarningEvidence.id)).where(
            WarningEvidence.warning_id == rows[first].warning_id)) == 2
    secrets = [*county.secrets, "13912345678"]
    assert plaintext_columns(ctx.engine, secrets) == []
    assert find_plaintext([tmp_path / "out", ctx.home], secrets) == []
