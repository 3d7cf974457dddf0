"""Escalation of overdue verification tasks (shouwang.sla), on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shouwang.sla import escalate_overdue
from tests.dags.factory import add_task
from warehouse.models import PipelineEvent, VerificationTask

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 08:00 on 20 November in the county: tasks due on the 19th or earlier are overdue.
RUN = dt.datetime(2026, 11, 20, 8, tzinfo=SHANGHAI)


def state(ctx) -> tuple[list, list]:
    """(task id, escalated_at) per task, and the overdue events."""
    with ctx.engine.connect() as conn:
        tasks = conn.execute(select(VerificationTask.id, VerificationTask.escalated_at)
                             .order_by(VerificationTask.id)).all()
        events = conn.execute(select(PipelineEvent.kind, PipelineEvent.period, PipelineEvent.detail)
                              .where(PipelineEvent.kind == "overdue").order_by(PipelineEvent.id)).all()
    return tasks, events


def test_overdue_tasks_are_escalated_once(ctx):
    late = add_task(ctx, "W2026-10-00001", dt.date(2026, 11, 19))
    on_time = add_task(ctx, "W2026-10-00002", dt.date(2026, 11, 20), township="三合街道")
    done = add_task(ctx, "W2026-10-00003", dt.date(2026, 11, 2), status="done")

    result = escalate_overdue(ctx, RUN)

    assert result == {"escalated": 1, "townships": 1, "overdue_open": 1, "as_of": "2026-11-20"}
    tasks, events = state(ctx)
    escalated = {tid: at for tid, at in tasks}
    assert escalated[late] is not None and escalated[on_time] is None and escalated[done] is None
    assert events == [("overdue", "2026-10",
                       "verification of warning W2026-10-00001 in 龙河镇 was due 2026-11-19 and is not done")]

    again = escalate_overdue(ctx, RUN + dt.timedelta(days=1))  # the next day: on_time is late now
    assert again["escalated"] == 1 and again["overdue_open"] == 2
    assert escalate_overdue(ctx, RUN + dt.timedelta(days=1))["escalated"] == 0  # a rerun adds nothing
    assert len(state(ctx)[1]) == 2


def test_escalation_uses_the_county_day_not_utc(ctx):
    add_task(ctx, "W2026-10-00009", dt.date(2026, 11, 19))
    # 23:30 UTC on the 19th is already the 20th in the county.
    assert escalate_overdue(ctx, dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.timezone.utc))["escalated"] == 1


def test_naive_time_is_refused(ctx):
    with pytest.raises(ValueError, match="timezone-aware"):
        escalate_overdue(ctx, dt.datetime(2026, 11, 20, 8))
