"""### verification_sla: escalate every step past due, then mail the notifications

Runs daily (`airflow.sla_cron`), the same work as `shouwang sla run --today`. Every step clock
(rules YAML `clocks:`: 初审, 全面核实, 销号确认, 录入…) still running after its due day tells the
township's users first (a portal notification and a warning history entry), and from the next
working day the county. Each stage happens once per clock, so reruns and backfills change
nothing. Notifications are mailed when settings `smtp.host` is set; mail that cannot go fails
the task after the escalation is saved, so a retry sends only the mail. A deadline in a year with
no official holiday table is listed in `calendar_gaps` (and the task log says so). XCom carries
counts only.
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

        result = sla.escalate_overdue(Context(), run_time(get_current_context()))
        if result["calendar_gaps"]:
            from screening.calendar import gap_warning

            print(f"WARNING: {gap_warning(result['calendar_gaps'])}")
        return result

    escalate_overdue()


verification_sla()
