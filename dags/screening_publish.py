"""### screening_publish: match → screen → publish the township lists of each stale month

Runs when any department's **ingested asset** gets an event (right after `feed_ingest` loads a
feed) and daily (`airflow.publish_cron`), so warnings reach the townships within one day of a
feed's arrival even if an event was missed. A month is *stale* when its loaded batches are not
yet all in a publication; pass `{"period": "YYYY-MM"}` to republish one month by hand.

Each stale month runs as one mapped group: `match` → `screen` → `publish` →
`department_returns`. The lists and the county digest are written under the out folder
(`SHOUWANG_OUT`, default `$SHOUWANG_HOME/out`); each department's monthly return (newly monitored
households and eliminated risks of that month, seed 004 §6) beside them in
`<period>/<departments.returns_folder>/`. XCom carries periods, counts and folders only.
"""
from __future__ import annotations

from airflow.sdk import dag, get_current_context, task, task_group

from shouwang import airflow_support as af

SETTINGS = af.dag_settings()


@dag(
    dag_id="screening_publish",
    schedule=af.publish_schedule(SETTINGS),
    tags=af.tags(SETTINGS, "screening", "publish"),
    doc_md=__doc__,
    **af.common_dag_args(SETTINGS),
    params={"period": af.period_param()},
)
def screening_publish():
    @task
    def stale_periods() -> list[str]:
        from shouwang.context import Context
        from shouwang.orchestration.publication import periods_to_publish
        from shouwang.orchestration.schedule import periods_from_events

        context = get_current_context()
        requested = [context["params"]["period"]] if context["params"].get("period") else []
        requested += periods_from_events(context.get("triggering_asset_events"))
        return periods_to_publish(Context(), requested)

    @task_group
    def period_lists(period: str):
        @task
        def match(period: str) -> dict:
            from shouwang import pipeline
            from shouwang.context import Context
            from shouwang.orchestration.xcom import counts_only

            return counts_only(pipeline.match(Context(), period), period)

        @task
        def screen(matched: dict) -> dict:
            from shouwang import pipeline
            from shouwang.context import Context
            from shouwang.orchestration.xcom import counts_only

            return counts_only(pipeline.screen(Context(), matched["period"]), matched["period"])

        @task
        def publish(screened: dict) -> dict:
            from shouwang.context import Context
            from shouwang.orchestration.publication import publish_and_record

            result = publish_and_record(Context(), screened["period"])
            return {"period": screened["period"], "folder": result["folder"]}

        @task
        def department_returns(published: dict) -> dict:
            from shouwang.context import Context
            from shouwang.orchestration.folders import out_dir
            from screening.returns import export_returns

            ctx = Context()
            period = published["period"]
            folder = out_dir(ctx) / period / ctx.settings["departments"]["returns_folder"]
            return {"period": period, "folder": str(folder),
                    "returns": len(export_returns(ctx, period, folder))}

        return department_returns(publish(screen(match(period))))

    period_lists.expand(period=stale_periods())


screening_publish()
