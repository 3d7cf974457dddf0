"""`make demo`: generate a demo county and run the real DAGs on it in an embedded Airflow.

Then a few warnings of every township are walked through the help loop (help_demo) and the
period is published again, so the lists and the digest's 帮扶落实 show it.

    python -m shouwang_tools.demo.airflow_demo --households 300 --period 2026-10 --dir var/demo-airflow

The embedded runner (`shouwang.airflow_embedded`) is the product's; this module only adds the
demo county. Airflow reads its configuration when first imported: run this as its own process.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shouwang import airflow_embedded, config


def demo(households: int, period: str, demo_dir: Path, seed: int = 1) -> dict:
    """Generate a demo county, load its roster and grid ledger, run the DAGs on it, walk the help
    loop and publish again; say where the lists are."""
    from connectors.grids import load_grids
    from connectors.roster import load_roster
    from shouwang import orchestration, pipeline
    from shouwang.context import Context
    from shouwang_tools.demo.generate import generate_county
    from shouwang_tools.demo.help_demo import walk_help_loop
    from warehouse.db import migrate

    home = config.home()
    ctx = Context(warehouse=config.warehouse_url(home_dir=home), home=home)
    home.mkdir(parents=True, exist_ok=True)
    ctx.vault(create=True)
    migrate(ctx.warehouse)
    county = generate_county(households, period, demo_dir, seed=seed)
    load_roster(ctx, county.roster)
    grids = load_grids(ctx, county.grid_ledger)
    os.environ[orchestration.ENV_LANDING] = str(county.landing.resolve())  # the DAG tasks read it
    states = airflow_embedded.run_dags(list(airflow_embedded.DAG_ORDER), conf={"period": period})
    helped = walk_help_loop(ctx)
    pipeline.publish(ctx, period, orchestration.out_dir(ctx))  # the lists and digest with the help loop
    out = orchestration.out_dir(ctx) / period
    return {"states": states, "grids": grids.summary(), "help": helped,
            "lists": str(out), "files": sorted(p.name for p in out.glob("*"))}


def main(argv: list[str] | None = None) -> int:
    """`python -m shouwang_tools.demo.airflow_demo ...`; exit 1 when a DAG run did not succeed."""
    parser = argparse.ArgumentParser(prog="python -m shouwang_tools.demo.airflow_demo",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--period", required=True)
    parser.add_argument("--dir", type=Path, default=Path("var/demo-airflow"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    airflow_embedded.configure(airflow_embedded.airflow_home())
    airflow_embedded.migrate_metadata()
    result = demo(args.households, args.period, args.dir, args.seed)
    code = airflow_embedded.report(result)
    grids = result["grids"]
    print(f"grid ledger: {grids['grids']} grids, {grids['households']} households")
    print("help loop: " + ", ".join(f"{n} {how}" for how, n in sorted(result["help"].items())))
    print(f"township lists and the county digest: {result['lists']}")
    return code


if __name__ == "__main__":
    sys.exit(main())
