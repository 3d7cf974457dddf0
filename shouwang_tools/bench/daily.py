"""`shouwang bench daily`: the daily merge of a day's inputs on a large county, timed and sized.

The county comes from the demo generator and loads like `bench e2e`'s (roster, and with
``--month`` the month's feeds ingested, matched and screened, so the day's inputs meet open
warnings). Then a day's channel inputs are filed as the portal's intake stores them (IDs and
phones sealed): most from roster persons (some without their ID: name and place only), some
from people not on the roster, some repeating an earlier input's person and risk. The merge
(`shouwang.daily.run_day`) runs in its own spawned process: its seconds are the call alone,
its peak the process's maximum resident set (getrusage). The figures say whether it stayed
incremental: roster persons read, candidate pairs, and how many roster-sourced inputs reached
the right household. Counts only leave the processes: no names, IDs or phones.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

from shouwang_tools.bench.e2e import StageFailed, bench_settings, machine, prepare_home, prepare_warehouse
from shouwang_tools.bench.measure import run_isolated

TARGET = "shouwang_tools.bench.daily:run_stage"
E2E_TARGET = "shouwang_tools.bench.e2e_stages:run_stage"
# Channels of the day's inputs and their shares (self-reports most, county-found least).
CHANNEL_MIX = {"self_report": 0.45, "grid": 0.2, "cadre": 0.1, "hotline": 0.1, "petition": 0.05,
               "media": 0.05, "city_feedback": 0.05}
RISKS = ("illness", "schooling", "housing", "accident", "employment", "disaster")
ROSTER_SHARE, NO_ID_SHARE, REPEAT_SHARE = 0.7, 0.1, 0.1  # the rest: people not on the roster


def day_of(period: str) -> dt.date:
    """The merged county day: the 15th of the benchmark's month."""
    return dt.date(int(period[:4]), int(period[5:7]), 15)


def plan_inputs(roster_csv: Path, n: int, seed: int, day: dt.date) -> list[dict]:
    """``n`` synthetic inputs of ``day`` (plaintext only inside the benchmark's own process),
    each with the 户编号 it should reach (None for people not on the roster)."""
    from warehouse.identity import make_id

    rng = random.Random(seed)
    with open(roster_csv, encoding="utf-8") as f:
        people = [r for r in csv.DictReader(f) if r.get("身份证号")]
    channels, weights = zip(*CHANNEL_MIX.items())
    zone = dt.timezone(dt.timedelta(hours=8))
    planned: list[dict] = []
    for k in range(n):
        at = dt.datetime.combine(day, dt.time(8), zone) + dt.timedelta(seconds=rng.randrange(11 * 3600))
        base = {"channel": rng.choices(channels, weights)[0], "risk_type": rng.choice(RISKS),
                "received_at": at.astimezone(dt.timezone.utc),
                "phone": f"13{rng.randrange(10**9):09d}"}
        roll = rng.random()
        if planned and roll < REPEAT_SHARE:  # the same person and risk again: evidence, no new line
            earlier = rng.choice(planned)
            planned.append({**earlier, **{k2: base[k2] for k2 in ("channel", "received_at", "phone")}})
            continue
        p = rng.choice(people)
        if roll < REPEAT_SHARE + ROSTER_SHARE:
            resident_id = None if rng.random() < NO_ID_SHARE else p["身份证号"]
            planned.append({**base, "name": p["姓名"], "resident_id": resident_id, "township": p["乡镇"],
                            "village": p["村"], "household_no": p["户编号"]})
        else:  # not on the roster: a fresh ID, a name and place of the county
            birth = dt.date(1950 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
            planned.append({**base, "name": rng.choice(people)["姓名"][0] + "新" + str(k % 10),
                            "resident_id": make_id("500230", birth, 900 + k % 99, male=k % 2 == 0),
                            "township": p["乡镇"], "village": p["村"], "household_no": None})
    return planned


def _file_inputs(ctx, planned: list[dict], day: dt.date) -> int:
    """Store the inputs as the intake does: ID and phone sealed to the row, phone masked."""
    from warehouse.channel_tables import ChannelInput
    from warehouse.db import session_scope
    from warehouse.masking import mask_phone
    from warehouse.sensitive import PHONE, identity_columns, sealed_pair

    vault = ctx.vault()
    period = f"{day.year:04d}-{day.month:02d}"
    with session_scope(ctx.engine) as s:
        for k, p in enumerate(planned):
            uid = uuid.uuid4().hex
            ident = identity_columns(vault, "channel_inputs", uid, p["resident_id"]) if p["resident_id"] else {}
            s.add(ChannelInput(
                uid=uid, receipt=receipt_of(day, k), channel=p["channel"], received_at=p["received_at"],
                period=period, name=p["name"], township=p["township"], village=p["village"],
                risk_type=p["risk_type"], description="基准测试", phone_masked=mask_phone(p["phone"]),
                **sealed_pair(vault, PHONE, "channel_inputs", "phone_cipher", uid, p["phone"]), **ident))
    return len(planned)


def receipt_of(day: dt.date, k: int) -> str:
    """The benchmark's receipt of input ``k`` of ``day`` (unique across days)."""
    return f"B{day:%m%d}{k:05d}"


def _truth_check(ctx, planned: list[dict], day: dt.date) -> dict:
    """Roster-sourced inputs that reached their own household; others that became leads."""
    from sqlalchemy import select

    from warehouse.channel_tables import ChannelInput
    from warehouse.models import Household

    with ctx.engine.connect() as conn:
        got = dict(conn.execute(select(ChannelInput.receipt, Household.household_no)
                                .outerjoin(Household, Household.id == ChannelInput.household_id)).all())
    right = sum(1 for k, p in enumerate(planned) if p["household_no"] and got.get(receipt_of(day, k)) == p["household_no"])
    wrong = sum(1 for k, p in enumerate(planned)
                if got.get(receipt_of(day, k)) and got.get(receipt_of(day, k)) != p["household_no"])
    roster = sum(1 for p in planned if p["household_no"])
    return {"roster_inputs": roster, "reached_own_household": right, "reached_other_household": wrong,
            "not_on_roster": len(planned) - roster}


def run_stage(job: dict) -> tuple[dict, dict]:
    """``inputs`` (file the day's inputs) or ``daily`` (the merge, timed): (counts, figures)."""
    import logging

    from shouwang.context import Context

    ctx = Context(warehouse=job["warehouse"], home=Path(job["home"]))
    day = dt.date.fromisoformat(job["day"])
    planned = plan_inputs(Path(job["county_dir"]) / "roster.csv", job["inputs"], job["seed"], day)
    if job["stage"] == "inputs":
        return {"rows": _file_inputs(ctx, planned, day)}, {}
    import shouwang.daily  # noqa: F401 - imports before the clock, as a task pays them once
    from screening.channels import lists, merge  # noqa: F401
    from shouwang.daily import run_day

    seen: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record):  # the incremental link's own counts (persons read, pairs)
            if record.name == "matching.incremental":
                seen.append(record.getMessage())

    logging.getLogger("matching.incremental").addHandler(Catch())
    logging.getLogger("matching.incremental").setLevel(logging.INFO)
    started = time.perf_counter()
    result = run_day(ctx, day, Path(job["county_dir"]) / "published")
    seconds = time.perf_counter() - started
    counts = {"rows": len(planned), "merged": result["merged"], "lines": result["lines"],
              "lists": result["lists"], "channels": result["channels"], "link": seen,
              **_truth_check(ctx, planned, day)}
    return counts, {"seconds": seconds}


def _isolated(target: str, job: dict, timeout: float) -> dict:
    result = run_isolated(target, job, timeout=timeout)
    if "error" in result:
        raise StageFailed(f"stage {job['stage']} failed: {result['error']}\n{result.get('trace', '')}")
    return result


def run(households: int, inputs: int, work: Path, month: bool, cfg: dict) -> dict:
    """Generate and load a county under ``work``, file ``inputs`` inputs, time the merge."""
    home, county_dir = work / "home", work / "county"
    prepare_home(home)
    url = f"sqlite:///{work / 'warehouse.db'}"
    prepare_warehouse(url)
    job = {"households": households, "period": cfg["period"], "seed": cfg["seed"],
           "county_dir": str(county_dir), "warehouse": url, "home": str(home),
           "rss_sample_seconds": cfg["rss_sample_seconds"], "profile_top": cfg["profile_top"],
           "profile_dir": None, "feed_scale": cfg["feed_scale"], "inputs": inputs,
           "day": day_of(cfg["period"]).isoformat()}
    timeout = cfg["stage_timeout_seconds"]
    prep = {}
    for stage in ("generate", "roster", *(("ingest", "matching", "screening") if month else ())):
        out = _isolated(E2E_TARGET, {**job, "stage": stage}, timeout)
        prep[stage] = {"seconds": round(out["notes"]["seconds"], 1)}
        if stage == "generate":
            county = out["predicted"]["county"]
    _isolated(TARGET, {**job, "stage": "inputs"}, timeout)
    merged = _isolated(TARGET, {**job, "stage": "daily"}, timeout)
    return {"machine": machine(), "households": county["households"], "persons": county["persons"],
            "month_loaded": month, "inputs": inputs, "day": job["day"], "prepare": prep,
            "daily": {"seconds": round(merged["notes"]["seconds"], 2),
                      "peak_rss_mb": round(merged["peak_mb"], 1), **merged["predicted"]}}


def cmd_bench_daily(ctx, args) -> int:
    """Run the benchmark and print its figures (JSON with --json)."""
    cfg = bench_settings()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run(args.households, args.inputs, args.keep, args.month, cfg)
    else:
        with tempfile.TemporaryDirectory(prefix="shouwang-bench-daily-") as tmp:
            result = run(args.households, args.inputs, Path(tmp), args.month, cfg)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    d = result["daily"]
    print(f"county: {result['households']:,} households, {result['persons']:,} persons"
          f"{' (month loaded, matched, screened)' if result['month_loaded'] else ''}")
    print(f"daily merge of {result['inputs']} inputs ({result['day']}): {d['seconds']} s, "
          f"peak {d['peak_rss_mb']} MB")
    print(f"  merged {d['merged']}; {d['lines']} lines in {d['lists']} township lists")
    print(f"  roster inputs reaching their own household: {d['reached_own_household']}/{d['roster_inputs']}"
          f" (another household: {d['reached_other_household']})")
    for line in d["link"]:
        print(f"  {line}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `shouwang bench daily`."""
    p = sub.add_parser("daily", help="time the daily merge of a day's inputs on a generated county")
    p.add_argument("--households", type=int, default=100_000, help="county size (default 100000)")
    p.add_argument("--inputs", type=int, default=500, help="the day's inputs (default 500)")
    p.add_argument("--month", action="store_true",
                   help="ingest, match and screen the month's feeds first (open warnings to join)")
    p.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_bench_daily)
