"""feed_ingest run for real (dag.test in an embedded Airflow): broken feeds do not block the
good one, missing departments are reported late, a rerun loads nothing twice, a task that
raises is recorded by the failure callback, verification_sla escalates an overdue task once,
and no resident ID or phone reaches Airflow's output, logs or metadata database."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from tests.dags.embedded import ON_SQLITE, run_airflow
from tests.dags.factory import add_task
from tests.support.pii import find_plaintext
from warehouse.identity import make_id
from warehouse.models import FeedBatch, FeedRecord, PipelineEvent, VerificationTask

# After the 10th of November, when October's feeds are due: missing ones are late.
CONF = ["--conf", '{"period": "2026-10"}', "--logical-date", "2026-11-20T00:00:00+00:00"]


def write_health_feed(landing: Path, n: int = 5) -> list[str]:
    assert n <= 8
    """A valid 卫健 feed of ``n`` synthetic patients; returns the IDs and phones written."""
    header = "姓名,身份证号,疾病名称,疾病类别,确诊日期,医疗机构,乡镇,村,联系电话\n"
    ids = [make_id("500230", dt.date(1960 + i, 3, 4), 300 + i, male=i % 2 == 0) for i in range(n)]
    phones = [f"1391234{5600 + i:04d}" for i in range(n)]
    names = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆", "赵敏", "黄磊"]
    rows = [f"{names[i]},{ids[i]},肺癌,大病,2026-10-0{i + 1},县人民医院,龙河镇,双河村,{phones[i]}\n" for i in range(n)]
    (landing / "卫健_2026-10.csv").write_text(header + "".join(rows), encoding="utf-8")
    return ids + phones


def batches(ctx) -> list[tuple]:
    with ctx.engine.connect() as conn:
        return conn.execute(select(FeedBatch.department, FeedBatch.status, FeedBatch.rows_loaded)
                            .order_by(FeedBatch.id)).all()


def events(ctx, kind: str, first: str = "department") -> list[tuple]:
    with ctx.engine.connect() as conn:
        return conn.execute(select(getattr(PipelineEvent, first), PipelineEvent.detail)
                            .where(PipelineEvent.kind == kind).order_by(PipelineEvent.id)).all()


@ON_SQLITE
def test_feeds_failures_and_sla_through_the_real_dags(ctx, airflow_env):
    landing = Path(airflow_env["SHOUWANG_LANDING"])
    secrets = write_health_feed(landing)
    (landing / "医保_2026-10.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")  # wrong columns
    (landing / "住建_2026-10.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")

    out = Path(airflow_env["SHOUWANG_OUT"])
    out.write_text("a file where the out folder should be", encoding="utf-8")

    overdue = add_task(ctx, "W2026-10-00001", dt.date(2026, 11, 19))  # due the day before the run

    # The same run twice (a rerun of the same logical date): the second must add nothing.
    # Then publishing fails (the out folder is a file): retried, then recorded by the callback;
    # the SLA check runs regardless (twice: it escalates once).
    run = run_airflow(airflow_env, "run", "feed_ingest", "feed_ingest", "screening_publish",
                      "verification_sla", "verification_sla", *CONF)

    assert run.states == [("feed_ingest", "success")] * 2 + [("screening_publish", "failed")] + \
        [("verification_sla", "success")] * 2, run.output[-3000:]
    assert [b for b in batches(ctx) if b[1] == "loaded"] == [("health", "loaded", 5)]
    with ctx.engine.connect() as conn:
        assert len(conn.execute(select(FeedRecord.id)).all()) == 5
    failures = " | ".join(f"{d} {t}" for d, t in events(ctx, "failure"))
    assert "医保_2026-10.csv" in failures and "住建_2026-10.xlsx" in failures
    publish_failed = [(p, t) for p, t in events(ctx, "failure", "period")
                      if t.startswith("task screening_publish.period_lists.publish[0] failed")]
    assert [p for p, _ in publish_failed] == ["2026-10"]  # one event, filed under the month
    late = [d for d, _ in events(ctx, "late")]
    # Every department with no file in the landing folder (a failed file was there, not late).
    from connectors.catalog import department_names

    assert sorted(late) == sorted(set(department_names()) - {"health", "medical_insurance",
                                                              "housing"})
    assert {"civil_affairs", "police"} <= set(late)
    with ctx.engine.connect() as conn:
        assert conn.scalar(select(VerificationTask.escalated_at).where(VerificationTask.id == overdue))
    assert [t for _, t in events(ctx, "overdue")] == [
        "verification of warning W2026-10-00001 in 龙河镇 was due 2026-11-19 and is not done"]
    assert find_plaintext([Path(airflow_env["AIRFLOW_HOME"])], secrets) == []
    assert find_plaintext([landing], secrets), "the scan must find the IDs where they really are"


@ON_SQLITE
def test_a_department_pulled_from_its_database_and_the_monthly_returns(ctx, airflow_env,
                                                                        pg_server):
    """Settings `sources:` name the 卫健 department's PostgreSQL view: feed_ingest lands it as a
    file and loads it (lineage file#row); screening_publish then writes every department's
    monthly return beside the lists. Nothing personal reaches Airflow."""
    import uuid

    from sqlalchemy import create_engine, text

    from connectors import catalog

    ids = [make_id("500230", dt.date(1961 + i, 5, 6), 400 + i, male=i % 2 == 0) for i in range(4)]
    url = pg_server.create_database(f"src_{uuid.uuid4().hex[:10]}")
    source = create_engine(url)
    with source.begin() as conn:
        conn.execute(text('CREATE TABLE dx (period TEXT, "姓名" TEXT, "身份证号" TEXT, '
                          '"疾病名称" TEXT, "疾病类别" TEXT, "确诊日期" TEXT, "医疗机构" TEXT, '
                          '"乡镇" TEXT, "村" TEXT)'))
        for i, rid in enumerate(ids):
            conn.execute(text("INSERT INTO dx VALUES ('2026-10', :n, :r, '肺癌', '大病', "
                              "'2026-10-03', '县人民医院', '龙河镇', '双河村')"),
                         {"n": ["张伟", "李娜", "王芳", "刘洋"][i], "r": rid})
        conn.execute(text("CREATE VIEW v_weijian AS SELECT * FROM dx"))
    source.dispose()
    config = Path(airflow_env["SHOUWANG_CONFIG"])
    config.write_text(config.read_text(encoding="utf-8") + (
        "sources:\n  health: {kind: sql, url_env: TEST_SOURCE_HEALTH_URL, "
        "query: \"SELECT * FROM v_weijian WHERE period = :period\"}\n"), encoding="utf-8")
    env = {**airflow_env, "TEST_SOURCE_HEALTH_URL": url}

    run = run_airflow(env, "run", "feed_ingest", "screening_publish", *CONF)

    assert run.states == [("feed_ingest", "success"), ("screening_publish", "success")], \
        run.output[-3000:]
    landing = Path(env["SHOUWANG_LANDING"])
    assert (landing / "卫健_2026-10_数据接口.xlsx").exists()
    with ctx.engine.connect() as conn:
        loaded = conn.execute(select(FeedBatch.department, FeedBatch.source_file,
                                     FeedBatch.rows_loaded)
                              .where(FeedBatch.status == "loaded")).all()
        first = conn.execute(select(FeedRecord.source_file, FeedRecord.source_row)
                             .order_by(FeedRecord.source_row).limit(1)).one()
    assert loaded == [("health", "卫健_2026-10_数据接口.xlsx", 4)]
    assert tuple(first) == ("卫健_2026-10_数据接口.xlsx", 2)
    returns = Path(env["SHOUWANG_OUT"]) / "2026-10" / ctx.settings["departments"]["returns_folder"]
    assert sorted(p.name for p in returns.iterdir()) == sorted(
        f"{c.label}_2026-10_监测对象反馈.xlsx" for c in catalog.all_contracts())
    assert find_plaintext([Path(env["AIRFLOW_HOME"]), returns], ids) == []
    assert find_plaintext([landing], ids), "the scan must find the IDs where they really are"
