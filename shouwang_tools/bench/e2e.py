"""`shouwang bench e2e`: generate a county, then time and size every pipeline stage.

Each stage (roster load, ingest, matching, screening, publishing, and the county generator
before them) runs in its own spawned process, as an Airflow task does. A stage's seconds are
the call alone (imports done first); its peak memory is that process's maximum resident set
(``getrusage``, exact, interpreter and libraries included). Validation (Great Expectations)
runs inside roster load and ingest: its seconds are the summed ``validate_batch`` calls,
taken out of those two stages' own figures, and its peak is the resident set sampled every
few milliseconds while it runs (psutil). Several sizes give a fitted cost curve: the
exponent k of seconds ~ n^k.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path

import psutil
import yaml

from shouwang_tools.bench.e2e_stages import run_stage
from shouwang_tools.bench.measure import run_isolated

TARGET = "shouwang_tools.bench.e2e_stages:run_stage"
PIPELINE = ("roster", "ingest", "matching", "screening", "publishing")
# Stages whose own figures exclude the validation they ran.
VALIDATING = ("roster", "ingest")


class StageFailed(RuntimeError):
    """A stage's process raised or timed out; the message names the stage and the error."""


def bench_settings() -> dict:
    """The benchmark's defaults (shouwang_tools/bench/e2e.yaml)."""
    text = resources.files("shouwang_tools.bench").joinpath("e2e.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def households_for(persons: int) -> int:
    """Roster households expected to hold about ``persons`` people (demo.yaml's size mix)."""
    from shouwang_tools.demo.settings import demo_settings

    sizes = demo_settings()["county"]["household_sizes"]
    mean = sum(int(k) * float(v) for k, v in sizes.items()) / sum(float(v) for v in sizes.values())
    return max(20, round(persons / mean))


def machine() -> dict:
    """What the figures were measured on: cores, memory, CPU model, Python."""
    model = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"nproc": cores, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "cpu": model, "python": platform.python_version(), "system": platform.system()}


def prepare_home(home: Path) -> None:
    """A bench SHOUWANG_HOME; a fresh random key unless SHOUWANG_MASTER_KEY is set."""
    from warehouse.crypto import ENV_KEY, Keyring, keyring_path

    home.mkdir(parents=True, exist_ok=True)
    if not os.environ.get(ENV_KEY) and not keyring_path(home).exists():
        Keyring(active=os.urandom(32)).save(keyring_path(home))


def prepare_warehouse(url: str) -> str:
    """Migrate ``url``; refuse one that already holds data (the figures need an empty one)."""
    from sqlalchemy import func, select

    from warehouse.db import make_engine, migrate
    from warehouse.models import FeedBatch

    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            batches = conn.execute(select(func.count()).select_from(FeedBatch)).scalar_one()
    finally:
        engine.dispose()
    if batches:
        raise StageFailed(f"the warehouse already holds {batches} feed batches; the benchmark "
                          "needs an empty one (omit --warehouse for a fresh SQLite file)")
    return engine.dialect.name


def _stage(job: dict, stage: str, timeout: float, isolated: bool) -> dict:
    if not isolated:  # quick mode: this process, peak sampled during the stage
        counts, figures = run_stage({**job, "stage": stage})
        return {"counts": counts, "figures": figures, "peak_mb": figures["sampled_peak_rss_mb"]}
    result = run_isolated(TARGET, {**job, "stage": stage}, timeout=timeout)
    if "error" in result:
        raise StageFailed(f"stage {stage} failed: {result['error']}\n{result.get('trace', '')}")
    return {"counts": result["predicted"], "figures": result["notes"], "peak_mb": result["peak_mb"]}


def _figure(rows: int, seconds: float, peak_mb: float) -> dict:
    return {"rows": int(rows), "seconds": round(seconds, 3),
            "rows_per_s": round(rows / seconds) if seconds > 0 else None,
            "peak_rss_mb": round(peak_mb, 1)}


def run_county(households: int, work: Path, cfg: dict, warehouse: str | None = None,
               profile: bool = False, isolated: bool = True) -> dict:
    """Generate a county of ``households`` under ``work`` and run every stage on it.

    ``isolated=False`` runs the stages in this process: quicker to start, but a stage's peak
    is then sampled and includes what earlier stages left behind.
    """
    started = time.perf_counter()
    home, county_dir = work / "home", work / "county"
    prepare_home(home)
    url = warehouse or f"sqlite:///{work / 'warehouse.db'}"
    dialect = prepare_warehouse(url)
    job = {"households": households, "period": cfg["period"], "seed": cfg["seed"],
           "county_dir": str(county_dir), "warehouse": url, "home": str(home),
           "rss_sample_seconds": cfg["rss_sample_seconds"], "profile_top": cfg["profile_top"],
           "profile_dir": None, "feed_scale": cfg["feed_scale"]}
    timeout = cfg["stage_timeout_seconds"]
    generated = _stage(job, "generate", timeout, isolated)
    if profile:
        job["profile_dir"] = str(work / "profiles")
        Path(job["profile_dir"]).mkdir(parents=True, exist_ok=True)
    stages: dict[str, dict] = {"generate": _figure(generated["counts"]["rows"],
                                                   generated["figures"]["seconds"],
                                                   generated["peak_mb"])}
    validation = {"seconds": 0.0, "rows": 0, "peak_mb": 0.0}
    hot: dict[str, list] = {}
    for stage in PIPELINE:
        out = _stage(job, stage, timeout, isolated)
        seconds, checked = out["figures"]["seconds"], out["figures"]["validation"]
        if stage in VALIDATING and checked:
            seconds -= checked["seconds"]
            validation["seconds"] += checked["seconds"]
            validation["rows"] += checked["rows"]
            validation["peak_mb"] = max(validation["peak_mb"], checked["peak_rss_mb"])
        stages[stage] = _figure(out["counts"]["rows"], seconds, out["peak_mb"])
        stages[stage]["detail"] = {k: v for k, v in out["counts"].items() if k != "rows"}
        if out["figures"].get("hot_spots"):
            hot[stage] = out["figures"]["hot_spots"]
        if stage == "ingest":
            stages["validation"] = _figure(validation["rows"], validation["seconds"],
                                           validation["peak_mb"])
    ordered = {name: stages[name] for name in cfg["stages"] if name in stages}
    pipeline_s = sum(f["seconds"] for name, f in ordered.items() if name != "generate")
    county = generated["counts"]["county"]
    run = {
        "households": county["households"], "persons": county["persons"],
        "feed_rows": sum(county["feed_rows"].values()), "feed_scale": cfg["feed_scale"],
        "warehouse": dialect,
        "period": cfg["period"], "stages": ordered,
        "pipeline_seconds": round(pipeline_s, 2),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "validation_share": round(validation["seconds"] / pipeline_s, 4) if pipeline_s else None,
        "peak_rss_mb": max(f["peak_rss_mb"] for name, f in ordered.items() if name != "generate"),
        "memory": "getrusage max RSS per stage process" if isolated else "RSS sampled in one process",
    }
    if hot:
        run["hot_spots"] = hot
    return run


def fit_exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope k of log(seconds) on log(n): cost grows like n^k."""
    pts = [(math.log(n), math.log(s)) for n, s in points if n > 0 and s > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / sxx, 3)


def cost_curve(runs: list[dict]) -> dict | None:
    """Exponent of time against persons, for the pipeline and for each stage (≥ 2 sizes)."""
    if len(runs) < 2:
        return None
    curve = {"pipeline": fit_exponent([(r["persons"], r["pipeline_seconds"]) for r in runs])}
    for stage in runs[0]["stages"]:
        curve[stage] = fit_exponent([(r["persons"], r["stages"][stage]["seconds"]) for r in runs])
    return curve


def run(sizes: list[int], cfg: dict, keep: Path | None = None, warehouse: str | None = None,
        profile: bool = False, isolated: bool = True) -> dict:
    """One run per household count; ``{"machine", "runs", "curve", "targets"}``."""
    runs = []
    for households in sizes:
        if keep is not None:
            work = keep / f"households_{households}"
            if work.exists():
                shutil.rmtree(work)
            runs.append(run_county(households, work, cfg, warehouse, profile, isolated))
            continue
        with tempfile.TemporaryDirectory(prefix="shouwang-e2e-") as tmp:
            runs.append(run_county(households, Path(tmp), cfg, warehouse, profile, isolated))
    for r in runs:
        r["targets_met"] = targets_met(r, cfg["targets"])
    return {"machine": machine(), "runs": runs, "curve": cost_curve(runs),
            "targets": cfg["targets"]}


def targets_met(run: dict, targets: dict) -> dict:
    """The issue's targets against one run: ``{target: True/False}`` (time only at full size)."""
    met = {"validation_share": run["validation_share"] <= targets["validation_share_max"],
           "peak_rss": run["peak_rss_mb"] <= targets["peak_rss_mb_max"]}
    if run["households"] >= targets["pipeline_households"]:
        met["pipeline_seconds"] = run["pipeline_seconds"] <= targets["pipeline_seconds_max"]
    return met


def render_table(result: dict) -> str:
    """Fixed-width tables: one per run, then the fitted exponents and hot spots."""
    m = result["machine"]
    lines = [f"machine: {m['nproc']} cores, {m['ram_gb']} GB RAM, {m['cpu']}, Python {m['python']}"]
    for r in result["runs"]:
        lines += ["", f"{r['households']:,} households, {r['persons']:,} persons, "
                      f"{r['feed_rows']:,} feed rows, {r['warehouse']}, period {r['period']}",
                  f"{'stage':<11} {'rows':>10} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}"]
        for name, f in r["stages"].items():
            rate = f"{f['rows_per_s']:,}" if f["rows_per_s"] is not None else "-"
            lines.append(f"{name:<11} {f['rows']:>10,} {f['seconds']:>9.2f} {rate:>9} "
                         f"{f['peak_rss_mb']:>8.0f}")
        share = r["validation_share"]
        lines.append(f"pipeline {r['pipeline_seconds']:.1f} s (wall {r['wall_seconds']:.1f} s with "
                     f"generation and process starts); validation "
                     f"{share:.1%} of the pipeline; peak {r['peak_rss_mb']:.0f} MB")
        if r.get("targets_met"):
            lines.append("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}"
                                                  for k, v in r["targets_met"].items()))
        for stage, spots in r.get("hot_spots", {}).items():
            lines.append(f"  hot spots in {stage} (own seconds, calls, function):")
            lines += [f"    {s['own_s']:>7.2f} {s['calls']:>9} {s['function']}" for s in spots]
    if result["curve"]:
        fitted = ", ".join(f"{k} {v}" for k, v in result["curve"].items() if v is not None)
        lines += ["", f"cost exponent k (seconds ~ persons^k): {fitted}"]
    return "\n".join(lines)


def _sizes(args: argparse.Namespace) -> list[int]:
    from shouwang.core.errors import UserError

    def numbers(text: str, flag: str) -> list[int]:
        try:
            values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
        except ValueError:
            raise UserError(f"bench e2e: {flag} {text!r} is not a comma list of whole numbers, "
                            "e.g. 10000,100000") from None
        if not values or min(values) < 1:
            raise UserError(f"bench e2e: {flag} needs positive numbers, e.g. 10000,100000")
        return values

    if bool(args.households) == bool(args.persons):
        raise UserError("bench e2e: give --households N or --persons P (comma lists allowed)")
    if args.households:
        return numbers(args.households, "--households")
    return [households_for(p) for p in numbers(args.persons, "--persons")]


def cmd_bench_e2e(ctx, args) -> int:
    """Run the end-to-end benchmark; print a table or JSON."""
    from shouwang.core.errors import UserError

    sizes = _sizes(args)
    if args.bench_warehouse and len(sizes) > 1:
        raise UserError("bench e2e: --warehouse takes one size (each run needs an empty warehouse)")
    cfg = bench_settings()
    if args.period:
        cfg["period"] = args.period
    if args.feed_scale is not None:
        if not args.feed_scale > 0:
            raise UserError(f"bench e2e: --feed-scale must be above 0, got {args.feed_scale}")
        cfg["feed_scale"] = args.feed_scale
    try:
        result = run(sizes, cfg, Path(args.keep).resolve() if args.keep else None,
                     args.bench_warehouse, args.profile, not args.in_process)
    except StageFailed as e:
        raise UserError(f"bench e2e: {e}") from e
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else render_table(result))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `shouwang bench e2e`."""
    from shouwang.core.periods import period_arg

    p = sub.add_parser("e2e", help="generate a county; seconds, rows/s and peak MB per stage",
                       description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("--households", metavar="N", help="roster households (comma list: several runs)")
    p.add_argument("--persons", metavar="P",
                   help="roster persons instead, converted with demo.yaml's household sizes")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--warehouse", dest="bench_warehouse", metavar="URL",
                   help="an EMPTY warehouse to run on (default: a fresh SQLite file in the work folder)")
    p.add_argument("--keep", metavar="DIR",
                   help="keep county, warehouse, lists and profiles in DIR/households_N")
    p.add_argument("--profile", action="store_true",
                   help="cProfile every stage: top functions by own time (and .prof files with --keep)")
    p.add_argument("--in-process", action="store_true",
                   help="run the stages in this process: quicker start, peak memory only sampled")
    p.add_argument("--period", type=period_arg, default=None, metavar="YYYY-MM",
                   help="reporting month (default: e2e.yaml)")
    p.add_argument("--feed-scale", type=float, default=None, metavar="F",
                   help="multiply every feed's volume (default: e2e.yaml; 1 is about 2.8 feed rows "
                        "a household, 0.4 about one, the issue's county)")
    p.set_defaults(func=cmd_bench_e2e)
