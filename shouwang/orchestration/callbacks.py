"""Airflow callbacks: a failed task becomes a pipeline_events row the digest lists."""
from __future__ import annotations

import logging

from shouwang.context import Context
from shouwang.core.periods import is_period
from shouwang.orchestration.events import record_event
from shouwang.orchestration.landing import feed_of

log = logging.getLogger(__name__)


def on_task_failure(context: dict) -> None:
    """Airflow on-failure callback: record the failure as a pipeline_events row for the digest.

    A mapped ingest task is labelled with its file name, which gives the department and period
    the digest files the failure under.
    """
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    label = getattr(ti, "rendered_map_index", None)
    mapped = getattr(ti, "map_index", -1) >= 0
    where = f"{ti.dag_id}.{ti.task_id}" + (f"[{label or ti.map_index}]" if mapped else "")
    department, period = feed_of(label) if mapped and label else (None, None)
    period = period or (context.get("params") or {}).get("period")
    run_id = getattr(context.get("dag_run"), "run_id", "")
    reason = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"
    ctx = Context()
    try:
        record_event(ctx, "failure", f"task {where} failed in run {run_id}: {reason[:500]}",
                     department=department, period=period if is_period(period) else None)
    except Exception:  # the callback must never hide the task's own failure
        log.exception("could not record the failure of %s in pipeline_events", where)
    finally:
        ctx.engine.dispose()
