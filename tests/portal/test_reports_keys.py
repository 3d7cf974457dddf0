"""`shouwang keys rotate` re-seals and re-indexes self-reports and leads like roster rows: after
a rotation the daily merge still finds the person by the new blind index."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from shouwang.cli import main
from tests.portal.conftest import ORIGIN, token_for
from tests.portal.reports_seed import new_person, report_body, seed_places, use_settings
from tests.support.warehouse import SyntheticIds
from tests.warehouse.test_keys import use_key_file
from warehouse import identity
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.sensitive import PHONE, RESIDENT_ID, aad


def test_rotation_moves_channel_inputs_to_the_new_key(ctx, seed, monkeypatch, capsys):
    from portal.app import create_app

    seed_places(ctx)
    use_settings(ctx, monkeypatch, portal={"report_challenge": False})
    ids = SyntheticIds(plain=seed.plain_ids)
    people = {new_person(ids, 100): "13912341000", new_person(ids, 101): None}
    with TestClient(create_app(ctx), base_url=ORIGIN) as c:
        first, second = people
        assert c.post("/api/reports", json=report_body(first, people[first])).status_code == 201
        lead = {"channel": "cadre", "name": "钱二", "resident_id": second, "township": "龙河镇",
                "village": "龙河村2", "risk_type": "housing"}
        assert c.post("/api/leads", json=lead, headers=token_for(c, "admin")).status_code == 201
    old = ctx.vault()
    ctx.engine.dispose()

    assert main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), "keys", "rotate"]) == 0
    assert "re-sealed 2 rows of channel_inputs" in capsys.readouterr().out
    new = use_key_file(monkeypatch, ctx.home)
    assert new.key_id != old.key_id
    with session_scope(ctx.engine) as s:
        rows = {r.id_masked: r for r in s.scalars(select(ChannelInput))}
        for rid, phone in people.items():
            row = rows[rid[:6] + "********" + rid[-4:]]
            assert row.id_index == new.blind(RESIDENT_ID, rid) != old.blind(RESIDENT_ID, rid)
            assert new.open(RESIDENT_ID, row.id_cipher,
                            aad("channel_inputs", "id_cipher", row.uid)) == rid
            assert row.id_key0 == new.typo_keys(identity.parse(rid))[0]
            if phone:
                assert row.phone_index == new.blind(PHONE, phone)
                assert new.open(PHONE, row.phone_cipher,
                                aad("channel_inputs", "phone_cipher", row.uid)) == phone
