"""What the Airflow tasks do besides calling the pipeline: find landed files, key and record runs.

Nothing here imports Airflow, so every function runs (and is tested) without a scheduler.
Values returned here go to XCom: ids, counts, periods and file names only, never personal data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from shouwang.context import Context

log = logging.getLogger(__name__)

ENV_LANDING = "SHOUWANG_LANDING"
ENV_OUT = "SHOUWANG_OUT"
# pipeline_events kind of a screening_publish run; its detail names the batches it used.
PUBLICATION_KIND = "run"

_SUMMARY_KEYS = (
    "batch_id", "department", "period", "status", "source_file",
    "rows_read", "rows_loaded", "rows_quarantined", "rows_merged", "rows_totals", "superseded", "error",
    "note",  # why a batch is held and the command that applies it (file names and counts)
)


def airflow_settings(ctx: Context) -> dict:
    """The `airflow:` section of the settings."""
    return ctx.settings["airflow"]


def _folder(ctx: Context, env_name: str, key: str) -> Path:
    raw = os.environ.get(env_name) or airflow_settings(ctx)[key]
    path = Path(raw)
    return path if path.is_absolute() else (ctx.home / path).resolve()


def landing_dir(ctx: Context) -> Path:
    """The landing folder: SHOUWANG_LANDING, else settings airflow.landing under SHOUWANG_HOME."""
    return _folder(ctx, ENV_LANDING, "landing")


def out_dir(ctx: Context) -> Path:
    """The output folder for lists and digests: SHOUWANG_OUT, else settings airflow.out."""
    return _folder(ctx, ENV_OUT, "out")


def check_period(period: str) -> str:
    """``period`` if it is YYYY-MM (shouwang.cli.period_arg), else a ValueError saying what to pass."""
    from argparse import ArgumentTypeError

    from shouwang.cli import period_arg

    try:
        return period_arg(period if isinstance(period, str) else repr(period))
    except ArgumentTypeError as e:
        raise ValueError(f"{e}: pass period=YYYY-MM") from None


def is_period(value: object) -> bool:
    """True when ``value`` is a YYYY-MM month."""
    try:
        check_period(value)
    except ValueError:
        return False
    return True


def previous_period(when: dt.datetime, timezone: str) -> str:
    """The month before ``when`` in the county's time zone (the backstop run's feeds)."""
    local = when.astimezone(ZoneInfo(timezone)).date().replace(day=1) - dt.timedelta(days=1)
    return f"{local:%Y-%m}"


def run_time(context: dict) -> dt.datetime:
    """The moment a run stands for: its data-interval end, else its logical date, else now."""
    for key in ("data_interval_end", "logical_date"):
        value = context.get(key)
        if value is not None:
            return value
    run = context.get("dag_run")
    return getattr(run, "run_after", None) or dt.datetime.now(dt.timezone.utc)


def periods_from_events(triggering_asset_events: dict | None) -> list[str]:
    """The periods named in the `extra` of the asset events that triggered a run."""
    found = set()
    for events in (triggering_asset_events or {}).values():
        for event in events:
            period = (getattr(event, "extra", None) or {}).get("period")
            if is_period(period):
                found.add(period)
    return sorted(found)


def run_periods(ctx: Context, context: dict) -> list[str]:
    """Which months an ingest run handles: the `period` parameter, else the periods its asset
    events name, else (the monthly backstop) the month before the run."""
    requested = (context.get("params") or {}).get("period")
    if requested:
        return [check_period(requested)]
    from_events = periods_from_events(context.get("triggering_asset_events"))
    if from_events:
        return from_events
    return [previous_period(run_time(context), airflow_settings(ctx)["timezone"])]


def feeds_due(ctx: Context, period: str, when: dt.datetime) -> bool:
    """True once ``when`` is on or after the day the period's feeds are due (settings)."""
    s = airflow_settings(ctx)
    year, month = map(int, check_period(period).split("-"))
    due = dt.date(year + month // 12, month % 12 + 1, int(s["feeds_due_day"]))
    return when.astimezone(ZoneInfo(s["timezone"])).date() >= due


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

    check_period(period)
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


def pull_sftp(ctx: Context, landing: Path, periods: list[str]) -> int:
    """Copy the periods' feeds from the configured SFTP folder into ``landing``; files already
    there with the same size are left alone. Returns how many were copied (0 when not configured).

    Settings ``airflow.sftp: {conn_id, remote_dir}`` name an Airflow connection of type sftp
    (host, port, login, password or private key; the server's ``host_key`` in its extra) and
    the folder the departments drop their files in. Each file is written as ``<name>.part`` and
    renamed once complete, so the landing sensor never sees half a feed. Any failure raises a
    RuntimeError naming the connection, the step and what to check (never the password).
    """
    import stat

    remote = airflow_settings(ctx).get("sftp")
    if not remote:
        return 0
    try:
        from airflow.providers.sftp.hooks.sftp import SFTPHook
    except ImportError as e:
        raise RuntimeError(
            "settings airflow.sftp is set but the SFTP provider is not installed: "
            "pip install -c constraints.txt apache-airflow-providers-sftp, or set airflow.sftp: null"
        ) from e
    conn_id, remote_dir = remote["conn_id"], str(remote["remote_dir"]).rstrip("/") or "/"
    wanted = set(periods)
    landing.mkdir(parents=True, exist_ok=True)
    hook, step, copied = None, "connect", 0
    try:
        hook = SFTPHook(ssh_conn_id=conn_id)
        # One SSH connection for the listing and every copy (the hook's own methods would open
        # and close one per call).
        with hook.get_managed_conn() as sftp:
            step = "list"
            entries = sorted(sftp.listdir_attr(remote_dir), key=lambda a: a.filename)
            for entry in entries:
                name = entry.filename
                if (not stat.S_ISREG(entry.st_mode or 0) or name.startswith(".")
                        or name.endswith(".part") or feed_of(name)[1] not in wanted):
                    continue
                target = landing / name
                if target.exists() and target.stat().st_size == entry.st_size:
                    continue  # copied before (a rerun or an earlier poke)
                step = f"copy {name}"
                partial = target.with_name(name + ".part")  # never show a half-copied feed
                try:
                    sftp.get(f"{remote_dir.rstrip('/')}/{name}", str(partial))
                    partial.replace(target)
                finally:
                    partial.unlink(missing_ok=True)
                copied += 1
                log.info("sftp: copied %s from %s:%s into the landing folder", name, conn_id, remote_dir)
    except Exception as e:
        raise RuntimeError(_sftp_error(conn_id, remote_dir, hook, step, e)) from e
    return copied


def _sftp_error(conn_id: str, remote_dir: str, hook: object, step: str, error: Exception) -> str:
    """What went wrong pulling from SFTP and what to do, without the connection's secrets."""
    if hook is None:
        hint = (f"define or fix the Airflow connection {conn_id!r} (type sftp: host, port, login, "
                "password or private key, host_key in its extra), or set airflow.sftp: null")
    elif step == "connect":
        hint = (f"check the Airflow connection {conn_id!r} (host, port, login, password or "
                "private key, host_key in its extra) and that the server is up")
    elif step == "list":
        hint = f"check that {remote_dir} exists and the login may read it (settings airflow.sftp.remote_dir)"
    else:
        hint = "check the free space and permissions of the landing folder, then run again"
    where = f" at {getattr(hook, 'remote_host', '?')}:{getattr(hook, 'port', '?')}" if hook else ""
    text = f"{type(error).__name__}: {error}"
    password = getattr(hook, "password", None)
    if password:  # no library is known to echo it; make sure
        text = text.replace(str(password), "***")
    return (f"SFTP pull from connection {conn_id!r}{where} failed ({step}, folder {remote_dir}): "
            f"{scrub(text)}; {hint}")


def ingest_key(department: str, period: str, checksum: str, interval: tuple[object, object]) -> str:
    """The idempotency key of one ingest: department, period, file checksum and data interval."""
    start, end = (v.isoformat() if hasattr(v, "isoformat") else str(v) for v in interval)
    return f"{department}/{period}/{checksum[:16]}/{start}/{end}"


def scrub(text: str | None) -> str | None:
    """``text`` with any ID or phone masked (warehouse.masking.mask_text), for XCom and events."""
    from warehouse.masking import mask_text

    return None if text is None else mask_text(str(text))


def safe_summary(summary: dict) -> dict:
    """An ingest summary reduced to ids and counts (and a scrubbed error) for XCom."""
    out = {k: summary.get(k) for k in _SUMMARY_KEYS if k in summary}
    out["error"] = scrub(out.get("error"))
    if "note" in out:
        out["note"] = scrub(out["note"])
    return out


def counts_only(result: dict | None, period: str) -> dict:
    """A stage's result reduced to its numbers, plus the period: safe to pass through XCom."""
    kept = {k: v for k, v in (result or {}).items() if isinstance(v, (int, float, bool))}
    return {"period": period, **kept}


def record_event(
    ctx: Context, kind: str, detail: str, *, department: str | None = None,
    period: str | None = None, at: dt.datetime | None = None,
) -> bool:
    """Add a pipeline_events row unless the same one is there already; True when added.

    The same kind, department, period and detail make the same event, so reruns add nothing.
    """
    from sqlalchemy import select

    from warehouse.db import session_scope
    from warehouse.models import PipelineEvent

    detail = scrub(detail)
    with session_scope(ctx.engine) as s:
        exists = s.scalar(
            select(PipelineEvent.id).where(
                PipelineEvent.kind == kind,
                PipelineEvent.department.is_(None) if department is None else PipelineEvent.department == department,
                PipelineEvent.period.is_(None) if period is None else PipelineEvent.period == period,
                PipelineEvent.detail == detail,
            ).limit(1)
        )
        if exists:
            return False
        event = PipelineEvent(kind=kind, department=department, period=period, detail=detail)
        if at is not None:
            event.at = at
        s.add(event)
    return True


def report_missing(ctx: Context, period: str, present: list[str], at: dt.datetime | None = None) -> list[str]:
    """Record a "late" event for each expected department with no file for ``period``."""
    from connectors.catalog import contract_for

    missing = sorted(set(airflow_settings(ctx)["departments"]) - set(present))
    for dept in missing:
        record_event(ctx, "late", f"no {dept} ({contract_for(dept).label}) file for {period} in the landing folder",
                     department=dept, period=period, at=at)
    return missing


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
    return sorted(stale | {check_period(p) for p in requested or []})


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


def feed_of(file_name: str) -> tuple[str | None, str | None]:
    """(department, period) a landed file's name stands for, or (None, None)."""
    from connectors.catalog import contract_for, parse_file_name

    name, period = parse_file_name(Path(file_name).stem)
    try:
        return contract_for(name or "").department, period
    except KeyError:
        return None, period


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
