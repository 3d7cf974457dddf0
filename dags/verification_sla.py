"""### verification_sla: escalate township verifications past their due date

Runs daily (`airflow.sla_cron`). Every open verification task whose due date (working days by
level, `sla:` settings) passed before the run's day gets `escalated_at` and one
`pipeline_events` row of kind "overdue", which the county digest lists. A task is escalated
once, so reruns and backfills change nothing. XCom carries counts only.
"""
from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from shouwang import airflow_support as af

SETTINGS = af.dag_settings()


@dag(
    dag_id="verification_sla",
    schedule=af.sla_schedule(SETTINGS),
    tags=af.tags(SETTINGS, "sla"),
    doc_md=__doc__,
    **af.common_dag_args(SETTINGS),
)
def verification_sla():
    @task
    def escalate_overdue() -> dict:
        from shouwang import sla
        from shouwang.context import Context
        from shouwang.orchestration.schedule import run_time

        return sla.escalate_overdue(Context(), run_time(get_current_context()))

    escalate_overdue()


verification_sla()
