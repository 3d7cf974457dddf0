"""### feed_ingest: load the departments' landed feeds of a month into the warehouse

Runs when a department's **landing asset** (`shouwang://landing/<dept>`) gets an event, e.g.
posted by the landing watcher or SFTP drop with `extra={"period": "2026-10"}`, and on the
monthly backstop (`airflow.ingest_backstop_cron`) for last month's feeds. Pass
`{"period": "YYYY-MM"}` to run one month by hand.

1. `choose_periods`: the run's months (parameter, asset events, or last month).
2. `landed_feeds`: sensor on the landing folder (pulls from SFTP first when `airflow.sftp` is set,
   and lands the departments configured under settings `sources:` from their SQL or HTTP systems
   as `<部门>_<YYYY-MM>_数据接口.xlsx`, so they are validated and traced like a dropped file).
3. `ingest_feed`: one mapped task per file, keyed by department, period, checksum and data
   interval. A broken feed returns status "failed" (the connector records it for the digest)
   and never blocks the others; a task that raises is isolated by mapping. Two files of one
   department and month fail together (neither loads); a file far smaller than the loaded
   batch is "held" until `shouwang feeds accept`. Tasks hold the warehouse lock shared:
   departments load in parallel, never during a CLI run. A loaded feed
   emits its department's **ingested asset**, which schedules `screening_publish`.
4. `report_feeds`: once the month's feeds are due, records missing departments as "late".

XCom carries file names, checksums, batch ids and counts only; never personal data.
"""
from __future__ import annotations

from airflow.sdk import PokeReturnValue, TriggerRule, dag, get_current_context, task

from shouwang import airflow_support as af

SETTINGS = af.dag_settings()
INGESTED = af.ingested_alias()


@dag(
    dag_id="feed_ingest",
    schedule=af.ingest_schedule(SETTINGS),
    tags=af.tags(SETTINGS, "ingest"),
    doc_md=__doc__,
    **af.common_dag_args(SETTINGS),
    params={"period": af.period_param()},
)
def feed_ingest():
    @task
    def choose_periods() -> list[str]:
        from shouwang.context import Context
        from shouwang.orchestration.schedule import run_periods

        return run_periods(Context(), get_current_context())

    @task.sensor(
        poke_interval=SETTINGS["sensor_poke_seconds"],
        timeout=SETTINGS["sensor_timeout_hours"] * 3600,
        mode="reschedule",
        soft_fail=True,
    )
    def landed_feeds(periods: list[str]) -> PokeReturnValue:
        from shouwang.context import Context
        from shouwang.orchestration.folders import landing_dir
        from shouwang.orchestration.landing import landed_files, pull_sources
        from shouwang.orchestration.sftp import pull_sftp

        ctx = Context()
        landing = landing_dir(ctx)
        pull_sftp(ctx, landing, periods)
        pull_sources(ctx, landing, periods)  # a failing source is logged, the others land
        files = [f for p in periods for f in landed_files(landing, p)]
        return PokeReturnValue(is_done=bool(files), xcom_value=files)

    @task(outlets=[INGESTED], map_index_template="{{ task.op_kwargs['feed']['name'] }}")
    def ingest_feed(feed: dict, *, outlet_events=None) -> dict:
        from pathlib import Path

        from shouwang import pipeline
        from shouwang.context import Context
        from shouwang.orchestration.xcom import ingest_key, safe_summary

        context = get_current_context()
        ctx = Context()
        key = ingest_key(feed["department"], feed["period"], feed["checksum"],
                              (context.get("data_interval_start"), context.get("data_interval_end")))
        summary = safe_summary(pipeline.ingest_one(ctx, Path(feed["path"]), feed["period"]))
        if summary.get("status") == "loaded":
            outlet_events[INGESTED].add(
                af.ingested_asset(summary.get("department") or feed["department"]),
                extra={"period": feed["period"], "batch_id": summary.get("batch_id"), "key": key},
            )
        return {**summary, "key": key}

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def report_feeds(periods: list[str]) -> dict:
        from shouwang.context import Context
        from shouwang.orchestration.events import report_missing
        from shouwang.orchestration.folders import landing_dir
        from shouwang.orchestration.landing import landed_files
        from shouwang.orchestration.schedule import feeds_due, run_time

        ctx = Context()
        when = run_time(get_current_context())
        missing = {}
        for period in periods:
            present = [f["department"] for f in landed_files(landing_dir(ctx), period)]
            if feeds_due(ctx, period, when):
                missing[period] = report_missing(ctx, period, present)
        return {"periods": periods, "missing": missing}

    periods = choose_periods()
    results = ingest_feed.expand(feed=landed_feeds(periods))
    results >> report_feeds(periods)


feed_ingest()
