"""What the DAG tasks do besides the pipeline: landed files, keys, events, stale periods."""
from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shouwang.orchestration.callbacks import on_task_failure
from shouwang.orchestration.events import record_event, report_missing
from shouwang.orchestration.folders import ENV_LANDING, ENV_OUT, landing_dir, out_dir
from shouwang.orchestration.landing import feed_of, landed_files
from shouwang.orchestration.publication import periods_to_publish, record_published
from shouwang.orchestration.schedule import feeds_due, run_periods
from shouwang.orchestration.sftp import pull_sftp
from shouwang.orchestration.xcom import counts_only, ingest_key, safe_summary
from tests.screening.factory import County
from warehouse.identity import make_id
from warehouse.masking import mask_id, mask_phone
from warehouse.models import PipelineEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _events(ctx, kind: str) -> list[tuple]:
    with ctx.engine.connect() as conn:
        return conn.execute(
            select(PipelineEvent.department, PipelineEvent.period, PipelineEvent.detail)
            .where(PipelineEvent.kind == kind).order_by(PipelineEvent.id)
        ).all()


def test_landed_files_finds_the_period_feeds_by_any_department_name(tmp_path):
    (tmp_path / "卫健_2026-10.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "medical_insurance_2026-10.xlsx").write_bytes(b"not really excel")
    (tmp_path / "医保_2026-09.csv").write_bytes(b"last month")
    (tmp_path / "unknown_2026-10.csv").write_bytes(b"nobody sends this")
    (tmp_path / "education_2026-10.csv.part").write_bytes(b"still copying")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "花名册_2026-10.csv").write_bytes(b"the roster")
    (tmp_path / "花名册_龙河镇.csv").write_bytes(b"a township's roster")

    found = landed_files(tmp_path, "2026-10")

    # The same files the CLI's LandingSource lists: an unknown department is kept so that its
    # task fails loudly; the roster and other months are never feeds.
    assert sorted((f["name"], f["department"], f["period"]) for f in found) == [
        ("medical_insurance_2026-10.xlsx", "medical_insurance", "2026-10"),
        ("unknown_2026-10.csv", "unknown", "2026-10"),
        ("卫健_2026-10.csv", "health", "2026-10"),
    ]
    health = next(f for f in found if f["department"] == "health")
    assert health["checksum"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert health["others"] == ()


def test_landed_files_gives_two_files_of_one_department_as_one_feed(tmp_path):
    (tmp_path / "卫健_2026-10.csv").write_bytes(b"first")
    (tmp_path / "health_2026-10_更正.csv").write_bytes(b"second")

    found = landed_files(tmp_path, "2026-10")

    assert len(found) == 1 and found[0]["department"] == "health"
    assert sorted([found[0]["name"], *found[0]["others"]]) == ["health_2026-10_更正.csv",
                                                               "卫健_2026-10.csv"]


def test_landed_files_rejects_a_bad_period(tmp_path):
    with pytest.raises(ValueError, match="2026-13.*pass period=YYYY-MM"):
        landed_files(tmp_path, "2026-13")


def test_ingest_key_names_department_period_checksum_and_interval():
    start, end = dt.datetime(2026, 11, 10, tzinfo=SHANGHAI), dt.datetime(2026, 11, 11, tzinfo=SHANGHAI)
    key = ingest_key("health", "2026-10", "ab" * 32, (start, end))
    assert key == f"health/2026-10/{'ab' * 8}/{start.isoformat()}/{end.isoformat()}"
    assert ingest_key("health", "2026-10", "cd" * 32, (start, end)) != key


def test_scrub_and_safe_summary_mask_ids_and_phones():
    resident_id = make_id("500230", dt.date(1980, 5, 6), 17, male=False)
    phone = "13912345678"
    summary = {"batch_id": 4, "department": "health", "period": "2026-10", "status": "failed",
               "rows_read": 9, "error": f"row 3 column 身份证号 {resident_id} tel {phone}",
               "names": ["张三"]}

    safe = safe_summary(summary)

    assert safe["error"] == f"row 3 column 身份证号 {mask_id(resident_id)} tel {mask_phone(phone)}"
    assert "names" not in safe and safe["rows_read"] == 9 and safe["batch_id"] == 4
    assert counts_only({"links": 12, "model": {"m": 1}, "note": "x"}, "2026-10") == \
        {"period": "2026-10", "links": 12}


def test_record_event_is_idempotent(ctx):
    assert record_event(ctx, "late", "no file", department="water", period="2026-10")
    assert not record_event(ctx, "late", "no file", department="water", period="2026-10")
    assert record_event(ctx, "late", "no file", department="hr", period="2026-10")
    assert record_event(ctx, "failure", "no period")
    assert not record_event(ctx, "failure", "no period")
    assert len(_events(ctx, "late")) == 2 and len(_events(ctx, "failure")) == 1


def test_report_missing_records_each_absent_department_once(ctx):
    from connectors.catalog import department_names  # the list comes from the contracts

    expected = department_names()
    missing = report_missing(ctx, "2026-10", ["health", "water"])
    report_missing(ctx, "2026-10", ["health", "water"])

    assert missing == sorted(set(expected) - {"health", "water"})
    late = _events(ctx, "late")
    assert [d for d, _, _ in late] == missing
    assert ("education", "2026-10", "no education (教育) file for 2026-10 in the landing folder") in late


def test_periods_to_publish_follows_loaded_batches(ctx):
    county = County(ctx)
    county.batch("health", period="2026-10")
    county.batch("water", period="2026-09", status="failed")
    assert periods_to_publish(ctx) == ["2026-10"]

    assert record_published(ctx, "2026-10")
    assert not record_published(ctx, "2026-10")  # same batches: nothing new
    assert periods_to_publish(ctx) == []
    assert periods_to_publish(ctx, ["2026-08"]) == ["2026-08"]

    county.batch("hr", period="2026-10")  # a new feed makes the month stale again
    assert periods_to_publish(ctx) == ["2026-10"]


def test_run_periods_from_parameter_events_or_backstop(ctx):
    backstop = {"params": {"period": None}, "logical_date": dt.datetime(2026, 1, 10, 6, tzinfo=SHANGHAI)}
    assert run_periods(ctx, backstop) == ["2025-12"]
    assert run_periods(ctx, {**backstop, "params": {"period": "2026-07"}}) == ["2026-07"]
    events = {"landing_health": [SimpleNamespace(extra={"period": "2026-10"})],
              "landing_water": [SimpleNamespace(extra={"period": "2026-09"}), SimpleNamespace(extra={})]}
    assert run_periods(ctx, {**backstop, "triggering_asset_events": events}) == ["2026-09", "2026-10"]


def test_feeds_are_due_on_the_configured_day_of_the_next_month(ctx):
    day = ctx.settings["feeds"]["due_day"]
    due = dt.datetime(2027, 1, day, 0, 30, tzinfo=SHANGHAI)
    assert feeds_due(ctx, "2026-12", due)
    assert not feeds_due(ctx, "2026-12", due - dt.timedelta(hours=1))


def test_folders_come_from_env_or_settings(ctx, monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_LANDING, raising=False)
    assert landing_dir(ctx) == ctx.home / ctx.settings["airflow"]["landing"]
    monkeypatch.setenv(ENV_OUT, str(tmp_path / "lists"))
    assert out_dir(ctx) == tmp_path / "lists"


def test_sftp_pull_is_off_unless_configured(ctx, tmp_path):
    assert pull_sftp(ctx, tmp_path, ["2026-10"]) == 0


def test_feed_of_reads_department_and_period_from_a_file_name():
    assert feed_of("医保_2026-10.xlsx") == ("medical_insurance", "2026-10")
    assert feed_of("mystery_2026-10.csv") == (None, "2026-10")


def test_failure_callback_files_a_mapped_feed_failure_under_its_department(ctx):
    ti = SimpleNamespace(dag_id="feed_ingest", task_id="ingest_feed", map_index=2,
                         rendered_map_index="卫健_2026-10.csv")
    context = {"ti": ti, "exception": ValueError(f"bad id {make_id('500230', dt.date(1990, 1, 2), 5, True)}"),
               "dag_run": SimpleNamespace(run_id="scheduled__x"), "params": {"period": None}}
    on_task_failure(context)
    [(dept, period, detail)] = _events(ctx, "failure")
    assert (dept, period) == ("health", "2026-10")
    assert detail.startswith("task feed_ingest.ingest_feed[卫健_2026-10.csv] failed in run scheduled__x: ValueError")
    assert "500230********" in detail  # the ID in the message is masked
