"""`export warnings` and `export alerts` write exactly the agreed columns."""
import csv
import re

from sqlalchemy import select

from screening.export import ALERT_COLUMNS, WARNING_COLUMNS, export_alerts, export_warnings
from screening.screen import screen_period
from tests.screening.factory import PERIOD, County
from tests.screening.outputs import assert_no_plain_ids
from warehouse.db import session_scope
from warehouse.models import RiskWarning

FLOOD = {"disaster_type": "洪涝", "disaster_date": "2026-10-05", "damage": "房屋倒塌", "direct_loss": 60000.0}


def _read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_exports_have_the_exact_columns_and_blank_household_for_a_lead(ctx, tmp_path):
    (ctx.home / "rules").mkdir()
    (ctx.home / "rules" / "500230.yaml").write_text(
        "alerts: {event_min_households: 3}\n", encoding="utf-8")
    county = County(ctx)
    emergency, insurance = county.batch("emergency"), county.batch("medical_insurance")
    first = county.household("5002300001", village="双河村")
    county.record(emergency, FLOOD, person=(first, 0))
    county.record(insurance, {"insurance_status": "未参保", "out_of_pocket": 60000.0}, person=(first, 0))
    county.record(emergency, FLOOD, person=(county.household("5002300002", village="双河村"), 0))
    county.record(emergency, FLOOD, link="none", name="王五", village="青龙村")
    screen_period(ctx, PERIOD)

    assert export_warnings(ctx, PERIOD, tmp_path / "w.csv") == 4
    header, *rows = _read(tmp_path / "w.csv")
    assert header == WARNING_COLUMNS == ["warning_id", "household_id", "township", "village", "risk_type",
                                         "level", "sources", "issued_at", "due_date", "status"]
    by_type = {(r[1], r[4]): dict(zip(header, r)) for r in rows}
    # People's identifiers, not surrogate keys: the roster's 户编号 and the lists' warning code.
    illness = by_type[(first["no"], "illness")]
    with session_scope(ctx.engine) as s:
        codes = {w.code for w in s.scalars(select(RiskWarning))}
    assert {r[0] for r in rows} == codes and all(re.fullmatch(rf"W{PERIOD}-\d{{5}}", c) for c in codes)
    assert {r[1] for r in rows} == {"5002300001", "5002300002", ""}
    assert illness["sources"] == "medical_insurance_2026-10.xlsx#3"  # two rules, one record
    assert illness["level"] == "red" and illness["status"] == "open"
    lead = by_type[("", "disaster")]
    assert (lead["township"], lead["village"]) == ("龙河镇", "青龙村")
    assert all(r[8] >= r[7][:10] for r in rows)  # due on or after the issue day

    assert export_alerts(ctx, PERIOD, tmp_path / "a.csv") == 1
    header, *rows = _read(tmp_path / "a.csv")
    assert header == ALERT_COLUMNS == ["period", "township", "village", "risk_type", "households",
                                       "kind", "reason"]  # kind and reason appended last
    # One flood day over two villages (the lead's included) is one township-wide alert.
    assert rows == [[PERIOD, "龙河镇", "", "disaster", "3", "event", "龙河镇 3 户 洪涝 同日受灾（2026-10-05）"]]
    assert_no_plain_ids(tmp_path, county.plain_ids)
