"""The stages of `shouwang bench e2e`, each run in a spawned process by ``run_stage``.

A stage imports its libraries first (an Airflow task pays that once per process, whatever the
county's size), then times only the call. Validation is measured inside ingest by wrapping
``expectations.validate.validate_batch`` for the duration of the stage: its time, rows and
the resident-set peak sampled while it runs (psutil, in a thread). Stages return counts
only: no names, IDs or phones leave the warehouse.
"""
from __future__ import annotations

import contextlib
import cProfile
import importlib
import pstats
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# What each stage imports before its clock starts.
WARM_UP = {
    "generate": ("shouwang_tools.demo.generate",),
    "roster": ("connectors.roster", "expectations.validate"),
    "ingest": ("connectors.ingest", "connectors.sources", "expectations.validate"),
    "matching": ("matching.linker",),
    "screening": ("screening.screen",),
    "publishing": ("screening.publish",),
}


class RssSampler:
    """The process's peak resident set while inside ``watch()``, sampled in a thread."""

    def __init__(self, interval: float):
        self.interval = interval
        self.peak = 0
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    @contextlib.contextmanager
    def watch(self):
        """Sample from entry to exit; nested or repeated uses keep the highest peak."""
        self.peak = max(self.peak, self._proc.memory_info().rss)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, self._proc.memory_info().rss)


@dataclass
class ValidationTimer:
    """Seconds, rows and calls of every ``validate_batch`` made while installed."""

    sampler: RssSampler
    seconds: float = 0.0
    rows: int = 0
    calls: list[dict] = field(default_factory=list)

    @contextlib.contextmanager
    def installed(self):
        """Wrap expectations.validate.validate_batch (what ``from expectations import …`` finds)."""
        from expectations import validate

        original = validate.validate_batch

        def timed(department, frame, docs_dir=None):
            started = time.perf_counter()
            with self.sampler.watch():
                result = original(department, frame, docs_dir)
            seconds = time.perf_counter() - started
            self.seconds += seconds
            self.rows += len(frame)
            self.calls.append({"department": department, "rows": len(frame),
                               "seconds": round(seconds, 3)})
            return result

        validate.validate_batch = timed
        try:
            yield self
        finally:
            validate.validate_batch = original


def _generate(job: dict, ctx) -> dict:
    from shouwang_tools.demo.generate import generate_county

    county = generate_county(job["households"], job["period"], Path(job["county_dir"]),
                             seed=job["seed"], feed_scale=job.get("feed_scale", 1.0))
    summary = county.summary()
    return {"rows": summary["persons"] + sum(summary["feed_rows"].values()), "county": summary}


def _roster(job: dict, ctx) -> dict:
    from connectors.roster import load_roster

    result = load_roster(ctx, Path(job["county_dir"]) / "roster.csv")
    if result.status != "loaded":
        raise RuntimeError(f"roster {result.status}: {result.error}")
    return {"rows": result.rows_read, "loaded": result.rows_loaded,
            "quarantined": result.rows_quarantined}


def _ingest(job: dict, ctx) -> dict:
    from shouwang import pipeline

    results = pipeline.ingest(ctx, job["period"], Path(job["county_dir"]) / "landing")
    failed = [r["source_file"] for r in results if r["status"] == "failed"]
    if failed:
        raise RuntimeError(f"ingest failed for {failed}; see feed_batches.error")
    return {"rows": sum(r["rows_read"] for r in results),
            "loaded": sum(r["rows_loaded"] for r in results),
            "quarantined": sum(r["rows_quarantined"] for r in results), "files": len(results)}


def _matching(job: dict, ctx) -> dict:
    from shouwang import pipeline

    summary = pipeline.match(ctx, job["period"])
    return {"rows": summary["records"], "auto": summary["auto"], "review": summary["review"],
            "candidate_pairs": summary["candidate_pairs"]}


def _screening(job: dict, ctx) -> dict:
    from shouwang import pipeline

    summary = pipeline.screen(ctx, job["period"])
    return {"rows": summary["records"], "findings": summary["findings"],
            "alerts": summary["alerts"]}


def _publishing(job: dict, ctx) -> dict:
    from sqlalchemy import func, select

    from shouwang import pipeline
    from warehouse.models import RiskWarning

    folder = Path(pipeline.publish(ctx, job["period"], Path(job["county_dir"]) / "published")["folder"])
    with ctx.engine.connect() as conn:
        listed = conn.execute(select(func.count()).select_from(RiskWarning)
                              .where(RiskWarning.last_period == job["period"])).scalar_one()
    return {"rows": listed, "files": sum(1 for p in folder.rglob("*") if p.is_file())}


STAGES = {"generate": _generate, "roster": _roster, "ingest": _ingest, "matching": _matching,
          "screening": _screening, "publishing": _publishing}


def hot_spots(profile: cProfile.Profile, top: int) -> list[dict]:
    """The ``top`` functions by own time: where, calls, own and cumulative seconds."""
    stats = pstats.Stats(profile)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    out = []
    for (path, line, name), (_, calls, own, cumulative, _) in rows:
        where = path.split("site-packages/")[-1].replace(str(Path.cwd()) + "/", "")
        out.append({"function": f"{where}:{line}({name})", "calls": calls,
                    "own_s": round(own, 3), "cumulative_s": round(cumulative, 3)})
    return out


def run_stage(job: dict) -> tuple[dict, dict]:
    """Run ``job["stage"]`` on the job's county and warehouse: (counts, figures).

    Matches ``shouwang_tools.bench.measure.run_isolated``'s target shape, which adds the process's
    wall time and maximum resident set (getrusage).
    """
    from shouwang.context import Context

    stage = job["stage"]
    for module in WARM_UP[stage]:
        importlib.import_module(module)
    ctx = Context(warehouse=job["warehouse"], home=Path(job["home"]))
    sampler = RssSampler(job["rss_sample_seconds"])
    whole = RssSampler(job["rss_sample_seconds"])
    timer = ValidationTimer(sampler)
    profile = cProfile.Profile() if job.get("profile_dir") else None
    with timer.installed(), whole.watch():
        started = time.perf_counter()
        if profile:
            profile.enable()
        counts = STAGES[stage](job, ctx)
        if profile:
            profile.disable()
        seconds = time.perf_counter() - started
    figures = {"seconds": seconds, "sampled_peak_rss_mb": whole.peak / 2**20, "validation": None,
               "hot_spots": None}
    if timer.calls:
        figures["validation"] = {"seconds": timer.seconds, "rows": timer.rows,
                                 "peak_rss_mb": sampler.peak / 2**20, "calls": timer.calls}
    if profile:
        path = Path(job["profile_dir"]) / f"{stage}.prof"
        profile.dump_stats(path)
        figures["hot_spots"] = hot_spots(profile, job["profile_top"])
        figures["profile"] = str(path)
    ctx.engine.dispose()
    return counts, figures
