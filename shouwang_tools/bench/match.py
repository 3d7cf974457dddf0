"""`shouwang bench match`: Shouwang's matcher against Splink and recordlinkage, same machine, one run."""
from __future__ import annotations

import argparse
import json
import sys


SYSTEMS = {
    "shouwang": "shouwang_tools.bench.peer_shouwang:link",
    "splink": "shouwang_tools.bench.peer_splink:link",
    "recordlinkage": "shouwang_tools.bench.peer_recordlinkage:link",
}
INSTALL_HINT = ("install the peers with `make bench` (pip install -c constraints.txt '.[bench]', "
                "then recordlinkage==0.16 with --no-deps: its metadata still says pandas<3)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `shouwang bench match`."""
    p = sub.add_parser("match", help="precision, recall, F1, seconds and peak MB per system")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--datasets", default="febrl4,county", help="comma list of febrl4, county")
    p.add_argument("--systems", default=",".join(SYSTEMS), help="comma list of " + ", ".join(SYSTEMS))
    p.add_argument("--households", type=int, default=None,
                   help="size of the generated county (default: shouwang_tools/bench/county.yaml)")
    p.set_defaults(func=cmd_bench_match)


def run(datasets: list[str], systems: list[str], auto_threshold: float,
        households: int | None = None) -> dict:
    """Every system on every dataset: ``{"datasets": {name: {system: figures}}}``."""
    # Imported here: every `shouwang` command registers this one, and pandas costs ~1 s.
    from matching.evaluation import pair_metrics
    from shouwang_tools.bench.datasets import LOADERS
    from shouwang_tools.bench.measure import run_isolated

    out: dict = {"datasets": {}}
    for name in datasets:
        data = LOADERS[name](households) if name == "county" else LOADERS[name]()
        row = {}
        for system in systems:
            res = run_isolated(SYSTEMS[system], data, auto_threshold=auto_threshold)
            if "error" in res:
                row[system] = {"error": res["error"]}
                continue
            m = pair_metrics(res["predicted"], data.truth)
            row[system] = {"precision": round(m["precision"], 4), "recall": round(m["recall"], 4),
                           "f1": round(m["f1"], 4), "seconds": round(res["seconds"], 2),
                           "peak_mb": round(res["peak_mb"], 1)}
            if res.get("notes"):
                row[system]["_notes"] = res["notes"]
        out["datasets"][name] = row
    return out


def render_table(result: dict) -> str:
    """The results as a fixed-width table, one line per dataset and system."""
    lines = [f"{'dataset':<8} {'system':<14} {'precision':>9} {'recall':>7} {'F1':>7} "
             f"{'seconds':>8} {'peak MB':>8}"]
    for dataset, systems in result["datasets"].items():
        for system, r in systems.items():
            if "error" in r:
                lines.append(f"{dataset:<8} {system:<14} failed: {r['error']}")
                continue
            lines.append(f"{dataset:<8} {system:<14} {r['precision']:>9.4f} {r['recall']:>7.4f} "
                         f"{r['f1']:>7.4f} {r['seconds']:>8.2f} {r['peak_mb']:>8.1f}")
            if "review_share" in r.get("_notes", {}):
                lines.append(f"{'':<8} {'':<14} review band: {r['_notes']['review_share']:.2%} of rows")
    return "\n".join(lines)


def public(result: dict) -> dict:
    """The JSON shape of the issue: five figures per system (notes dropped)."""
    return {"datasets": {d: {s: {k: v for k, v in r.items() if not k.startswith("_")}
                             for s, r in systems.items()}
                         for d, systems in result["datasets"].items()}}


def cmd_bench_match(ctx, args) -> int:
    """Run the matching benchmark and print a table or JSON."""
    from shouwang_tools.bench.datasets import LOADERS
    from shouwang.core.errors import UserError

    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [d for d in datasets if d not in LOADERS] + [s for s in systems if s not in SYSTEMS]
    if bad:
        raise UserError(f"unknown dataset or system {bad}; datasets: {sorted(LOADERS)}, "
                        f"systems: {sorted(SYSTEMS)}")
    try:
        result = run(datasets, systems, ctx.settings["matching"]["auto_threshold"], args.households)
    except ModuleNotFoundError as e:
        raise UserError(f"{e.name} is not installed: {INSTALL_HINT}") from e
    print(json.dumps(public(result), indent=1) if args.json else render_table(result))
    if any("error" in r for systems in result["datasets"].values() for r in systems.values()):
        print(f"some systems failed; {INSTALL_HINT}", file=sys.stderr)
    return 0
