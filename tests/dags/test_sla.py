"""verification_sla (shouwang.sla.escalate_overdue) on SQLite and PostgreSQL, and for real in an
embedded Airflow: step clocks past due are escalated once, on the county's day."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shouwang.sla import escalate_overdue
from tests.dags.embedded import ON_SQLITE, run_airflow
from tests.dags.factory import add_task
from tests.support.warehouse import building
from warehouse.models import PipelineEvent, VerificationTask
from warehouse.notification_tables import Notification, WarningClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 08:00 on 20 November in the county: steps due on the 19th or earlier are overdue.
RUN = dt.datetime(2026, 11, 20, 8, tzinfo=SHANGHAI)


def published(ctx, code: str, day: dt.date, township: str = "龙河镇") -> int:
    """A warning whose list reached ``township`` at 10:00 county time on ``day``."""
    with building(ctx, seal=False) as b:
        return b.warning(code, f"hh:{code}", township=township, reason="大病", period="2026-10",
                         published_at=dt.datetime.combine(day, dt.time(10), SHANGHAI)).id


def notes(ctx) -> list[tuple]:
    with ctx.engine.connect() as conn:
        return conn.execute(select(Notification.audience, Notification.kind, Notification.township)
                            .order_by(Notification.id)).all()


def test_overdue_steps_are_escalated_once(ctx):
    published(ctx, "W2026-10-00001", dt.date(2026, 11, 12))  # 初审 due Thu 19 November
    published(ctx, "W2026-10-00002", dt.date(2026, 11, 13), township="三合街道")  # due Fri 20

    result = escalate_overdue(ctx, RUN)

    assert {k: result[k] for k in ("as_of", "clocks_started", "overdue", "townships",
                                   "escalated_township", "escalated_county")} == {
        "as_of": "2026-11-20", "clocks_started": 2, "overdue": 1, "townships": 1,
        "escalated_township": 1, "escalated_county": 0}
    assert notes(ctx) == [("township", "overdue", "龙河镇")]
    again = escalate_overdue(ctx, RUN + dt.timedelta(days=3))  # Monday: the county, 三合 late too
    assert (again["escalated_township"], again["escalated_county"]) == (1, 1)
    assert escalate_overdue(ctx, RUN + dt.timedelta(days=3))["escalated_county"] == 0  # a rerun
    assert notes(ctx) == [("township", "overdue", "龙河镇"), ("county", "escalated", "龙河镇"),
                          ("township", "overdue", "三合街道")]  # earliest due first


def test_a_verification_task_past_its_level_due_date_is_logged_once(ctx):
    late = add_task(ctx, "W2026-10-00003", dt.date(2026, 11, 19))
    done = add_task(ctx, "W2026-10-00004", dt.date(2026, 11, 2), status="done")
    assert escalate_overdue(ctx, RUN)["tasks_past_due_date"] == 1
    assert escalate_overdue(ctx, RUN)["tasks_past_due_date"] == 0
    with ctx.engine.connect() as conn:
        escalated = dict(conn.execute(select(VerificationTask.id, VerificationTask.escalated_at)).all())
        events = conn.execute(select(PipelineEvent.detail).where(PipelineEvent.kind == "overdue")).all()
    assert escalated[late] is not None and escalated[done] is None
    assert [e for (e,) in events] == [
        "verification of warning W2026-10-00003 in 龙河镇 was due 2026-11-19 and is not done"]


def test_escalation_uses_the_county_day_not_utc(ctx):
    published(ctx, "W2026-10-00009", dt.date(2026, 11, 12))
    # 23:30 UTC on the 19th is already the 20th in the county.
    result = escalate_overdue(ctx, dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.timezone.utc))
    assert result["escalated_township"] == 1


def test_naive_time_is_refused(ctx):
    with pytest.raises(ValueError, match="timezone-aware"):
        escalate_overdue(ctx, dt.datetime(2026, 11, 20, 8))


@ON_SQLITE
def test_the_dag_escalates_once_for_real(ctx, airflow_env):
    wid = published(ctx, "W2026-10-00011", dt.date(2026, 11, 12))
    conf = ["--logical-date", "2026-11-20T00:00:00+00:00"]
    run = run_airflow(airflow_env, "run", "verification_sla", "verification_sla", *conf)
    assert run.states == [("verification_sla", "success")] * 2, run.output[-3000:]
    with ctx.engine.connect() as conn:
        clock = conn.execute(select(WarningClock.escalated_township_on).where(
            WarningClock.warning_id == wid, WarningClock.clock == "first_review")).scalar_one()
    assert clock is not None
    assert notes(ctx) == [("township", "overdue", "龙河镇")]
