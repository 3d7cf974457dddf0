"""### daily_summary: the day's self-reports and leads merged into next-day township lists

Runs each evening (`airflow.daily_cron`, the county's time zone): 日汇总、次日交办 (seed 004 §7).
Pass `{"date": "YYYY-MM-DD"}` to merge one county day by hand; otherwise the run's day in the
county.

1. `merge_day`: the day's channel inputs (self-reports, hotline, petitions, media, city
   feedback, cadres, grid workers) matched to the roster against the candidate persons only
   (not a re-match of the month's feeds), graded by each channel's default level, de-duplicated
   against open warnings; a person not on the roster becomes a 应纳未纳 lead. The lists (with
   the warnings of feeds that landed that day) and the per-channel counts are written under
   `<out>/daily/<date>/`. The warehouse lock makes it one run at a time; a rerun of a day
   merges only what arrived since and rewrites the same lists.

XCom carries the date, counts, the folder and file names only; never personal data.
"""
from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task

from shouwang import airflow_support as af

SETTINGS = af.dag_settings()


@dag(
    dag_id="daily_summary",
    schedule=af.cron(SETTINGS, "daily_cron"),
    tags=af.tags(SETTINGS, "channels", "publish"),
    doc_md=__doc__,
    **af.common_dag_args(SETTINGS),
    params={"date": Param(None, type=["null", "string"], format="date",
                          description="County day to merge, YYYY-MM-DD; empty: the run's day")},
)
def daily_summary():
    @task
    def merge_day() -> dict:
        import datetime as dt

        from shouwang import daily
        from shouwang.context import Context
        from shouwang.core.clock import local_date
        from shouwang.orchestration.folders import out_dir
        from shouwang.orchestration.schedule import run_time

        context = get_current_context()
        ctx = Context()
        requested = (context.get("params") or {}).get("date")
        day = dt.date.fromisoformat(requested) if requested else local_date(run_time(context), ctx.settings)
        result = daily.run_day(ctx, day, out_dir(ctx))
        return {k: result[k] for k in ("date", "period", "channels", "lines", "lists", "folder", "files")}

    merge_day()


daily_summary()
