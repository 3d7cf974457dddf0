"""The audit trail appends masked entries on SQLite and PostgreSQL, and cannot be rewritten."""
import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from warehouse.audit import record
from warehouse.db import session_scope
from warehouse.identity import make_id
from warehouse.masking import mask_id
from warehouse.models import AuditLog

ID = make_id("500230", dt.date(1990, 3, 7), 12, male=True)


def test_record_appends_and_masks(ctx):
    with session_scope(ctx.engine) as s:
        first = record(s, "zhang", "view", "household", 42, township="龙河镇",
                       detail={"query": f"身份证 {ID}", "phone": "13812345678"})
        record(s, "li", "lookup", "person", ID)
        assert first.id is not None
    with session_scope(ctx.engine) as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.actor, r.action, r.object_type) for r in rows] == [
        ("zhang", "view", "household"), ("li", "lookup", "person")]
    assert rows[0].object_id == "42" and rows[0].township == "龙河镇"
    assert rows[0].detail == {"query": f"身份证 {mask_id(ID)}", "phone": "138****5678"}
    assert rows[1].object_id == mask_id(ID) and rows[1].detail == {}
    assert rows[0].at is not None
    with ctx.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)
    assert ID not in dump and "13812345678" not in dump


def test_recorded_entries_cannot_be_changed(ctx):
    with session_scope(ctx.engine) as s:
        record(s, "zhang", "view", "household", 1)
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(ctx.engine) as s:
            s.execute(text("UPDATE audit_log SET actor = 'someone else'"))
