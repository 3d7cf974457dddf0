"""daily_summary run for real (dag.test in an embedded Airflow): the evening's run merges the
county day's self-reports into next-day township lists, a rerun of the same logical date adds
nothing, and no resident ID or phone reaches Airflow's output, logs or metadata database."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from shouwang.airflow_embedded import RESULT_PREFIX
from tests.dags.embedded import ON_SQLITE, ROOT
from tests.screening.channels.factory import DAY, MORNING, Reports
from tests.support.pii import find_plaintext
from warehouse.channel_tables import ChannelInput
from warehouse.models import PipelineEvent, RiskWarning

# 20:00 on DAY in the county: the evening run (airflow.daily_cron) of that day.
EVENING = "2026-10-15T20:00:00+08:00"
# shouwang.airflow_embedded's `run` accepts the DAGs it knows (DAG_ORDER); this drives the same
# functions for daily_summary until it is listed there.
RUN = ("import json, sys\n"
       "from pathlib import Path\n"
       "from shouwang import airflow_embedded as e\n"
       "e.configure(e.airflow_home())\n"
       "e.migrate_metadata()\n"
       "sys.exit(e.report({'states': e.run_dags(sys.argv[1].split(','), None, sys.argv[2])}))\n")


def run_daily(env: dict, *dag_ids: str) -> tuple[int, str, list]:
    """Run the DAGs once each at EVENING; exit code, output and the states."""
    import json

    proc = subprocess.run([sys.executable, "-c", RUN, ",".join(dag_ids), EVENING], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    with open(Path(env["AIRFLOW_HOME"]) / "run-output.log", "a", encoding="utf-8") as f:
        f.write(output)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    states = json.loads(lines[-1][len(RESULT_PREFIX):])["states"] if lines else []
    return proc.returncode, output, states


@ON_SQLITE
def test_the_evening_run_publishes_the_days_lists_once(ctx, airflow_env):
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    mine = county.report("张三", county.plain_ids[0])
    lead = county.report("李四", county.new_id(dt.date(1988, 6, 1)), channel="petition",
                         risk_type="housing", received_at=MORNING + dt.timedelta(hours=5))

    code, output, states = run_daily(airflow_env, "daily_summary", "daily_summary")
    assert code == 0, output[-3000:]
    assert [s for _, s in states] == ["success", "success"]

    folder = Path(airflow_env["SHOUWANG_OUT"]) / "daily" / DAY.isoformat()
    assert (folder / "龙河镇_2026-10-15_预警核查清单.xlsx").exists()
    assert (folder / "日汇总_2026-10-15.csv").exists()
    with ctx.engine.connect() as conn:
        results = dict(conn.execute(select(ChannelInput.receipt, ChannelInput.merge_result)).all())
        warnings = conn.execute(select(func.count()).select_from(RiskWarning)).scalar()
        daily = conn.execute(select(PipelineEvent.detail).where(PipelineEvent.kind == "daily")).scalars().all()
    assert results == {mine["receipt"]: "warning", lead["receipt"]: "lead"}
    assert warnings == 2  # the rerun opened nothing
    assert len(daily) == 2 and daily[0] == daily[1]
    assert "received 2, matched 1, leads 1, duplicates 0, warnings 2" in daily[0]
    assert find_plaintext([Path(airflow_env["AIRFLOW_HOME"]), folder], county.secrets) == []
