"""The pipeline stages, wired in one place so the CLI, the DAGs and the tests call the same code.

Each stage takes a Context and ids or paths, and returns plain counts: no personal data, so
results are safe to log and to pass through Airflow's XCom.

Every stage holds the warehouse lock (warehouse.lock): exclusively for run, ingest, match,
screen and publish (a second one waits), shared for one landed file (Airflow maps those per
department, in parallel). `run` always publishes: a failed feed is a failed batch, and when
matching or screening fails the lists are still written from what the warehouse holds, the
failure is recorded as a pipeline event, and `run` ends with `StageFailed` (one line).
"""
from __future__ import annotations

import logging
from pathlib import Path

from shouwang.context import Context
from shouwang.core.errors import UserError
from warehouse.lock import warehouse_lock

log = logging.getLogger(__name__)


class StageFailed(UserError):
    """A stage of `run` failed; the lists were published from what the warehouse holds."""


def ingest(ctx: Context, period: str, landing: Path) -> list[dict]:
    """Load every department file for ``period`` found in ``landing``; one summary per file."""
    from connectors.ingest import ingest_landing
    from shouwang.orchestration.landing import pull_sources

    # Departments configured under settings `sources:` are pulled into the landing folder first,
    # so the CLI ingests them as Airflow's feed_ingest does (same file#row lineage).
    pull_sources(ctx, Path(landing), [period])
    with warehouse_lock(ctx):
        results = [r.summary() for r in ingest_landing(ctx, period, Path(landing))]
    for r in results:
        log.info("ingest %s", r)
    return results


def ingest_one(ctx: Context, path: Path, period: str | None = None) -> dict:
    """Load one landed file (Airflow maps this over the files of a period, in parallel)."""
    from connectors.ingest import ingest_file, ingest_landed

    with warehouse_lock(ctx, shared=True):
        if period is None:
            return ingest_file(ctx, Path(path)).summary()
        return ingest_landed(ctx, Path(path), period).summary()


def match(ctx: Context, period: str) -> dict:
    """Link the period's loaded feed records to roster persons and households."""
    from matching.linker import link_period

    with warehouse_lock(ctx):
        return link_period(ctx, period)


def screen(ctx: Context, period: str) -> dict:
    """Turn the period's linked records into warnings, leads and regional alerts."""
    from screening.screen import screen_period

    with warehouse_lock(ctx):
        ctx.vault()  # refuses mid-rotation: lead keys would mix two keys' blind indexes
        return screen_period(ctx, period)


def publish(ctx: Context, period: str, out: Path) -> dict:
    """Write the township lists and the county digest under ``out/<period>/``."""
    from screening.publish import publish_period

    with warehouse_lock(ctx):
        folder = publish_period(ctx, period, Path(out))
    return {"period": period, "folder": str(folder)}


def run(ctx: Context, period: str, landing: Path, out: Path) -> dict:
    """ingest → validate → match → screen → publish, for one period, as one exclusive run."""
    with warehouse_lock(ctx):
        ctx.vault()  # a wrong key or an unfinished key rotation refuses here, before any write
        result: dict = {"ingest": ingest(ctx, period, landing)}
        failed = _stage(ctx, period, "matching", match, result, "match")
        if failed is None:  # screening reads the links matching writes: not over stale ones
            failed = _stage(ctx, period, "screening", screen, result, "screen")
        result["publish"] = publish(ctx, period, out)
    if failed is not None:
        raise StageFailed(f"{failed}; the lists in {result['publish']['folder']} were published "
                          "from what the warehouse already held; fix the cause and run again")
    return result


def _stage(ctx: Context, period: str, name: str, stage, result: dict, key: str) -> str | None:
    """Run one stage into ``result[key]``; on failure record it and return one line about it."""
    from shouwang.orchestration import record_event, scrub

    try:
        result[key] = stage(ctx, period)
        return None
    except Exception as e:  # any stage failure: the lists are published all the same
        line = scrub(f"{name} of {period} failed ({type(e).__name__}: {e})")[:500]
        log.info("%s", line, exc_info=True)  # the traceback with -v only
        record_event(ctx, "failure", line, period=period)
        result[key] = {"failed": line}
        return line
