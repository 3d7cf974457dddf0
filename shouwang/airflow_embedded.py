"""Run the project's real DAGs without a scheduler: `dag.test()` on an embedded SQLite metadata DB.

Used by the end-to-end tests and by `make demo` (through `shouwang_tools.demo.airflow_demo`):

    python -m shouwang.airflow_embedded run feed_ingest screening_publish --conf '{"period": "2026-10"}'

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
DAG_ORDER = ("feed_ingest", "screening_publish", "verification_sla", "daily_summary")
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


def report(result: dict) -> int:
    """Print a run's result line and each DAG's final state; 0 when every run succeeded, else 1."""
    print(f"{RESULT_PREFIX} {json.dumps(result, ensure_ascii=False)}")
    for dag_id, state in result["states"]:
        print(f"{dag_id}: {state}")
    return 0 if all(state == "success" for _, state in result["states"]) else 1


def main(argv: list[str] | None = None) -> int:
    """`python -m shouwang.airflow_embedded run ...`; exit 1 when a DAG run did not succeed."""
    parser = argparse.ArgumentParser(prog="python -m shouwang.airflow_embedded", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run DAGs once each with dag.test()")
    run.add_argument("dag_ids", nargs="+", choices=DAG_ORDER)
    run.add_argument("--conf", help='run conf as JSON, e.g. {"period": "2026-10"}')
    run.add_argument("--logical-date", help="ISO datetime of the runs (default now)")
    args = parser.parse_args(argv)

    configure(airflow_home())
    migrate_metadata()
    return report({"states": run_dags(args.dag_ids, json.loads(args.conf) if args.conf else None, args.logical_date)})


if __name__ == "__main__":
    sys.exit(main())
