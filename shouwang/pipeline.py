"""The pipeline stages, wired in one place so the CLI, the DAGs and the tests call the same code.

Each stage takes a Context and ids or paths, and returns plain counts: no personal data, so
results are safe to log and to pass through Airflow's XCom.
"""
from __future__ import annotations

import logging
from pathlib import Path

from shouwang.context import Context

log = logging.getLogger(__name__)


def ingest(ctx: Context, period: str, landing: Path) -> list[dict]:
    """Load every department file for ``period`` found in ``landing``; one summary per file."""
    from connectors.ingest import ingest_landing

    results = [r.summary() for r in ingest_landing(ctx, period, Path(landing))]
    for r in results:
        log.info("ingest %s", r)
    return results


def ingest_one(ctx: Context, path: Path, period: str | None = None) -> dict:
    """Load one landed file (Airflow maps this over the files of a period)."""
    from connectors.ingest import ingest_file

    return ingest_file(ctx, Path(path), period).summary()


def match(ctx: Context, period: str) -> dict:
    """Link the period's loaded feed records to roster persons and households."""
    from matching.linker import link_period

    return link_period(ctx, period)


def screen(ctx: Context, period: str) -> dict:
    """Turn the period's linked records into warnings, leads and regional alerts."""
    from screening.screen import screen_period

    return screen_period(ctx, period)


def publish(ctx: Context, period: str, out: Path) -> dict:
    """Write the township lists and the county digest under ``out/<period>/``."""
    from screening.publish import publish_period

    folder = publish_period(ctx, period, Path(out))
    return {"period": period, "folder": str(folder)}


def run(ctx: Context, period: str, landing: Path, out: Path) -> dict:
    """ingest → validate → match → screen → publish, for one period."""
    return {
        "ingest": ingest(ctx, period, landing),
        "match": match(ctx, period),
        "screen": screen(ctx, period),
        "publish": publish(ctx, period, out),
    }
