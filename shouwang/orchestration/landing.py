"""The feeds waiting in the landing folder, and the department and month a file name stands for."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from shouwang.orchestration.schedule import check_param


@dataclass(frozen=True)
class LandedFile:
    """One department feed waiting in the landing folder; what a mapped ingest task receives.

    ``others`` names more files of the same department and month: the task then records the
    conflict (loading none of them)."""

    path: str
    name: str
    department: str
    period: str
    checksum: str
    others: tuple[str, ...] = ()


def landed_files(landing: Path, period: str) -> list[dict]:
    """The feeds of ``period`` in ``landing`` as the CLI sees them (connectors.sources
    LandingSource: the roster and files of other months left out, files whose name gives no
    department or month kept so that they fail loudly), one per department, with checksums."""
    from connectors.ingest import UNKNOWN, checksum_of  # the same key the connector stores
    from connectors.sources import LandingSource

    check_param(period)
    landing = Path(landing)
    if not landing.is_dir():
        return []  # the sensor keeps poking until the folder and a feed appear
    found = []
    for feed in LandingSource(landing).feeds(period):
        first = feed.paths[0]
        found.append(asdict(LandedFile(str(first), first.name, feed.department or UNKNOWN,
                                       feed.period or period, checksum_of(first.read_bytes()),
                                       tuple(p.name for p in feed.paths[1:]))))
    return found


def feed_of(file_name: str) -> tuple[str | None, str | None]:
    """(department, period) a landed file's name stands for, or (None, None)."""
    from connectors.catalog import contract_for, parse_file_name

    name, period = parse_file_name(Path(file_name).stem)
    try:
        return contract_for(name or "").department, period
    except KeyError:
        return None, period


def pull_sources(ctx, landing: Path, periods: list[str]) -> list[dict]:
    """Pull every department configured under settings ``sources:`` for ``periods`` into
    ``landing`` (connectors.sources.land), so the landed-file path ingests them; one summary per
    pull ({department, period, status: landed|unchanged|failed, file, error}). A failing source
    is that department's problem only: it is logged and reported, never raised."""
    import logging

    from connectors.errors import FeedError
    from connectors.sources import configured_sources, land, landed_name

    log = logging.getLogger(__name__)
    try:
        sources = configured_sources(ctx.settings)
    except FeedError as e:
        log.warning("settings sources: %s", e)
        return [{"department": None, "period": None, "status": "failed", "file": None,
                 "error": str(e)}]
    out = []
    for period in periods:
        check_param(period)
        for source in sources:
            summary = {"department": source.department, "period": period,
                       "file": landed_name(source, period), "error": None}
            try:
                written = land(source, period, Path(landing))
                summary["status"] = "landed" if written else "unchanged"
            except FeedError as e:
                log.warning("pull %s %s: %s", source.label, period, e)
                summary.update(status="failed", error=str(e))
            out.append(summary)
    return out
