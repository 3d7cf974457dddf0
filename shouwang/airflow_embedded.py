"""Run the project's real DAGs without a scheduler: `dag.test()` on an embedded SQLite metadata DB.

Used by `make demo-airflow` and by the end-to-end tests:

    python -m shouwang.airflow_embedded run feed_ingest screening_publish --conf '{"period": "2026-10"}'
    python -m shouwang.airflow_embedded demo --households 300 --period 2026-10

Airflow reads its configuration when first imported, so the environment is set here before
any Airflow import; run this as its own process.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from shouwang import config
from shouwang.airflow_support import SQLITE_CONNECT_ARGS_PATH

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"
DAG_ORDER = ("feed_ingest", "screening_publish", "verification_sla")
RESULT_PREFIX = "shouwang-airflow-result:"


def airflow_home(env: dict | None = None) -> Path:
    """AIRFLOW_HOME, default ./var/airflow (under SHOUWANG_HOME)."""
    env = os.environ if env is None else env
    return Path(env.get("AIRFLOW_HOME") or config.home(env) / "airflow").resolve()


def embedded_env(home: Path) -> dict[str, str]:
    """Environment for an embedded Airflow: our DAGs, no examples, SQLite metadata in ``home``."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": SQLITE_CONNECT_ARGS_PATH,
    }


def configure(home: Path) -> None:
    """Point this process's Airflow at ``home``; must run before Airflow is imported."""
    if "airflow" in sys.modules:
        raise RuntimeError("Airflow is already imported; configure() must run first (use a new process)")
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(embedded_env(home))


def migrate_metadata() -> None:
    """Create or upgrade Airflow's metadata database."""
    from airflow.utils.db import upgradedb

    upgradedb()


def run_dags(dag_ids: list[str], conf: dict | None = None, logical_date: str | None = None) -> list[list[str]]:
    """Run each DAG with ``dag.test()``, in order (an id given twice runs twice, the rerun of
    the same logical date); return ``[dag_id, final state]`` per run."""
    import pendulum
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError(f"DAG files failed to import: {sorted(bag.import_errors)}")
    when = pendulum.parse(logical_date) if logical_date else pendulum.now("UTC")
    states = []
    for dag_id in dag_ids:
        run = bag.dags[dag_id].test(logical_date=when, run_conf=conf or None)
        states.append([dag_id, str(getattr(run.state, "value", run.state))])
    return states


def demo(households: int, period: str, demo_dir: Path, seed: int = 1) -> dict:
    """Generate a demo county, load its roster, and run the three DAGs on it; say where the lists are."""
    from shouwang import orchestration
    from shouwang.context import Context
    from shouwang.demo.generate import generate_county
    from warehouse.db import migrate
    from connectors.roster import load_roster

    home = config.home()
    ctx = Context(warehouse=config.warehouse_url(home_dir=home), home=home)
    home.mkdir(parents=True, exist_ok=True)
    ctx.vault(create=True)
    migrate(ctx.warehouse)
    county = generate_county(households, period, demo_dir, seed=seed)
    load_roster(ctx, county.roster)
    os.environ[orchestration.ENV_LANDING] = str(county.landing.resolve())  # the DAG tasks read it
    states = run_dags(list(DAG_ORDER), conf={"period": period})
    out = orchestration.out_dir(ctx) / period
    return {"states": states, "lists": str(out), "files": sorted(p.name for p in out.glob("*"))}


def main(argv: list[str] | None = None) -> int:
    """`python -m shouwang.airflow_embedded run|demo ...`; exit 1 when a DAG run did not succeed."""
    parser = argparse.ArgumentParser(prog="python -m shouwang.airflow_embedded", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run DAGs once each with dag.test()")
    run.add_argument("dag_ids", nargs="+", choices=DAG_ORDER)
    run.add_argument("--conf", help='run conf as JSON, e.g. {"period": "2026-10"}')
    run.add_argument("--logical-date", help="ISO datetime of the runs (default now)")
    dm = sub.add_parser("demo", help="generate a county and run the three DAGs on it")
    dm.add_argument("--households", type=int, default=300)
    dm.add_argument("--period", required=True)
    dm.add_argument("--dir", type=Path, default=Path("var/demo-airflow"))
    dm.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    configure(airflow_home())
    migrate_metadata()
    if args.cmd == "run":
        result = {"states": run_dags(args.dag_ids, json.loads(args.conf) if args.conf else None, args.logical_date)}
    else:
        result = demo(args.households, args.period, args.dir, args.seed)
    print(f"{RESULT_PREFIX} {json.dumps(result, ensure_ascii=False)}")
    for dag_id, state in result["states"]:
        print(f"{dag_id}: {state}")
    if args.cmd == "demo":
        print(f"township lists and the county digest: {result['lists']}")
    return 0 if all(state == "success" for _, state in result["states"]) else 1


if __name__ == "__main__":
    sys.exit(main())
