"""The whole pipeline through the real DAGs on a generated county (dag.test, SQLite warehouse):
lists published, reruns in another order leave the same warehouse, nothing personal in Airflow."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import DateTime, MetaData, select

from tests.dags.embedded import ON_SQLITE, run_airflow
from tests.support.pii import find_plaintext
from warehouse.models import FeedBatch

PERIOD = "2026-10"
CONF = ["--conf", json.dumps({"period": PERIOD}), "--logical-date", "2026-11-20T00:00:00+00:00"]


def warehouse_state(engine) -> dict[str, dict[tuple, dict]]:
    """Every table's rows by primary key, without timestamps (which say when, not what)."""
    meta = MetaData()
    meta.reflect(engine)
    state = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            cols = [c for c in table.columns if not isinstance(c.type, DateTime)]
            key = [c.name for c in table.primary_key.columns] or [c.name for c in cols]
            rows = conn.execute(select(*cols)).mappings()
            state[table.name] = {tuple(r[k] for k in key): dict(r) for r in rows}
    return state


def differences(before: dict, after: dict) -> dict[str, str]:
    """Per changed table: rows added or removed, and which columns changed (never the values)."""
    out = {}
    for name, rows in before.items():
        new = after.get(name, {})
        changed_cols = sorted({c for k in rows.keys() & new.keys() for c in rows[k] if rows[k][c] != new[k][c]})
        added, removed = len(new.keys() - rows.keys()), len(rows.keys() - new.keys())
        if added or removed or changed_cols:
            out[name] = f"+{added} -{removed} rows, columns changed: {changed_cols}"
    return out


def roster_secrets(roster: Path) -> list[str]:
    """The resident IDs and phones of the generated roster."""
    raw = roster.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    rows = list(csv.DictReader(text.splitlines()))
    return sorted({v.strip() for r in rows for k, v in r.items()
                   if k and k.strip() in ("身份证号", "联系电话") and v and len(v.strip()) >= 11})


@ON_SQLITE
def test_dags_publish_a_generated_county_idempotently(ctx, airflow_env, tmp_path):
    from shouwang_tools.demo.generate import generate_county
    from connectors.roster import load_roster

    county = generate_county(60, PERIOD, tmp_path / "county", seed=11)
    load_roster(ctx, county.roster)
    env = {**airflow_env, "SHOUWANG_LANDING": str(county.landing)}

    first = run_airflow(env, "run", "feed_ingest", "screening_publish", "verification_sla", *CONF)

    assert first.states == [("feed_ingest", "success"), ("screening_publish", "success"),
                            ("verification_sla", "success")], first.output[-4000:]
    lists = Path(env["SHOUWANG_OUT"]) / PERIOD
    assert any(p.suffix == ".xlsx" for p in lists.iterdir()), sorted(p.name for p in lists.iterdir())
    with ctx.engine.connect() as conn:
        loaded = conn.execute(select(FeedBatch.department).where(
            FeedBatch.status == "loaded", FeedBatch.department != "registry")).scalars().all()
    assert sorted(loaded) == sorted(county.feeds)
    state = warehouse_state(ctx.engine)
    assert state["warnings"] and state["links"]

    # Reruns and a rerun order that starts from the end change nothing.
    again = run_airflow(env, "run", "verification_sla", "screening_publish", "feed_ingest",
                        "screening_publish", *CONF)

    assert all(s == "success" for _, s in again.states), again.output[-4000:]
    assert differences(state, warehouse_state(ctx.engine)) == {}

    secrets = roster_secrets(county.roster)
    assert len(secrets) > 100
    assert find_plaintext([Path(env["AIRFLOW_HOME"])], secrets) == []
