"""Which months' lists are stale, and publishing them with a record of the batches they used."""
from __future__ import annotations

import datetime as dt
import hashlib

from shouwang.context import Context
from shouwang.orchestration.events import record_event
from shouwang.orchestration.folders import out_dir
from shouwang.orchestration.schedule import check_param

# pipeline_events kind of a screening_publish run; its detail names the batches it used.
PUBLICATION_KIND = "run"


def _loaded_batches(ctx: Context) -> dict[str, list[int]]:
    from sqlalchemy import select

    from warehouse.models import FeedBatch

    by_period: dict[str, list[int]] = {}
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(FeedBatch.period, FeedBatch.id)
            .where(FeedBatch.status == "loaded", FeedBatch.department != "registry")
            .order_by(FeedBatch.period, FeedBatch.id)
        )
        for period, batch_id in rows:
            by_period.setdefault(period, []).append(batch_id)
    return by_period


def publication_key(batch_ids: list[int]) -> str:
    """The detail of a publication run: which loaded batches the lists were made from."""
    digest = hashlib.sha256(",".join(map(str, sorted(batch_ids))).encode()).hexdigest()[:16]
    return f"published from {len(batch_ids)} loaded batches ({digest})"


def periods_to_publish(ctx: Context, requested: list[str] | None = None) -> list[str]:
    """Periods whose lists are out of date: the requested ones, plus any period with a loaded
    batch not yet in a publication (so a missed trigger is caught by the next daily run)."""
    from sqlalchemy import select

    from warehouse.models import PipelineEvent

    batches = _loaded_batches(ctx)
    with ctx.engine.connect() as conn:
        done = set(conn.execute(
            select(PipelineEvent.period, PipelineEvent.detail).where(PipelineEvent.kind == PUBLICATION_KIND)
        ).all())
    stale = {p for p, ids in batches.items() if (p, publication_key(ids)) not in done}
    return sorted(stale | {check_param(p) for p in requested or []})


def publish_and_record(ctx: Context, period: str) -> dict:
    """Publish ``period`` and mark it published, under one hold of the warehouse lock (a feed
    loaded in between must not count as published)."""
    from shouwang import pipeline
    from warehouse.lock import warehouse_lock

    with warehouse_lock(ctx):
        result = pipeline.publish(ctx, period, out_dir(ctx))
        record_published(ctx, period)
    return result


def record_published(ctx: Context, period: str, at: dt.datetime | None = None) -> bool:
    """Mark ``period``'s lists as made from its current loaded batches."""
    return record_event(ctx, PUBLICATION_KIND, publication_key(_loaded_batches(ctx).get(period, [])),
                        period=period, at=at)
