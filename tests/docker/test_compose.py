"""The production docker-compose.yml: services, one image, wiring, secrets from .env, volumes.

Docker cannot run here, so this reads the files and resolves variables the way Compose
does, with the placeholder values of .env.example.
"""
import re
from importlib.metadata import distribution
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from shouwang.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
AIRFLOW = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
           "airflow-triggerer", "airflow-worker"]
APP = AIRFLOW + ["airflow-init", "shouwang-init", "portal"]
VAR = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def resolve(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation."""
    def one(m: re.Match) -> str:
        name, kind, arg = m.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name} required: {arg}")
        return arg or ""
    return VAR.sub(one, value)


def env_of(service: str) -> dict[str, str]:
    return {k: resolve(str(v), env_example()) for k, v in SERVICES[service]["environment"].items()}


def test_services():
    assert set(SERVICES) == set(APP) | {"postgres", "redis"}
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:")


@pytest.mark.parametrize("name", APP)
def test_every_python_service_is_built_from_the_one_dockerfile(name):
    assert SERVICES[name]["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert SERVICES[name]["image"] == SERVICES["portal"]["image"], "one image for all"


def test_dockerfile_installs_the_pinned_project():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r"pip install -c constraints\.txt \"?\.\[celery\]", text)
    assert "constraints.txt" in text.split("RUN pip")[0], "constraints.txt copied before install"
    assert re.search(r"^USER (?!root)", text, re.M), "services must not run as root"


def test_commands_exist():
    commands = {n: SERVICES[n]["command"] for n in APP}
    assert commands["airflow-init"] == ["airflow", "db", "migrate"]
    assert commands["shouwang-init"] == ["shouwang", "init"]
    ours = build_parser()._subparsers._group_actions[0].choices
    assert {"init", "serve"} <= set(ours)
    assert commands["portal"][:2] == ["shouwang", "serve"]
    core = distribution("apache-airflow-core").locate_file("airflow/cli/cli_config.py").read_text()
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                 "airflow-triggerer"):
        assert f'name="{commands[name][1]}"' in core, f"{name}: no such airflow command"
    celery = distribution("apache-airflow-providers-celery").locate_file(
        "airflow/providers/celery/cli/definition.py").read_text()
    assert commands["airflow-worker"][1:3] == ["celery", "worker"] and 'name="worker"' in celery


def test_depends_on_wiring():
    for name in AIRFLOW:
        deps = SERVICES[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"
        assert deps["shouwang-init"]["condition"] == "service_completed_successfully"
    for name in ("airflow-init", "shouwang-init", "portal"):
        assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["portal"]["depends_on"]["shouwang-init"]["condition"] == \
        "service_completed_successfully"
    assert SERVICES["airflow-init"]["restart"] == SERVICES["shouwang-init"]["restart"] == "no"
    for name, svc in SERVICES.items():
        for dep, how in svc.get("depends_on", {}).items():
            if how["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[dep], f"{name} waits on {dep}'s missing healthcheck"


@pytest.mark.parametrize("name", APP)
def test_warehouse_and_master_key_wiring(name):
    raw = SERVICES[name]["environment"]
    assert raw["SHOUWANG_MASTER_KEY"].startswith("${SHOUWANG_MASTER_KEY:?")
    env = env_of(name)
    url = make_url(env["SHOUWANG_WAREHOUSE"])
    assert (url.drivername, url.host, url.port) == ("postgresql+psycopg", "postgres", 5432)
    assert url.database == env_example()["WAREHOUSE_DB"]


@pytest.mark.parametrize("name", AIRFLOW + ["airflow-init"])
def test_airflow_wiring(name):
    env = env_of(name)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    meta = make_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (meta.host, meta.database) == ("postgres", env_example()["AIRFLOW_DB"])
    assert meta.database != make_url(env["SHOUWANG_WAREHOUSE"]).database
    broker = make_url(env["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.drivername, broker.host, broker.port) == ("redis", "redis", 6379)
    backend = env["AIRFLOW__CELERY__RESULT_BACKEND"]
    assert backend.startswith("db+postgresql") and make_url(backend[3:]).host == "postgres"
    for secret in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                   "AIRFLOW__API__SECRET_KEY"):
        assert SERVICES[name]["environment"][secret].startswith("${"), f"{secret} hard-coded"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")


@pytest.mark.parametrize("name", AIRFLOW)
def test_dags_and_landing_volumes(name):
    env = env_of(name)
    mounts = {v.split(":")[1]: v.split(":")[0] for v in SERVICES[name]["volumes"]}
    assert mounts[env["AIRFLOW__CORE__DAGS_FOLDER"]] == "./dags"
    assert mounts[env["SHOUWANG_LANDING"]] == "landing"
    assert mounts[env["SHOUWANG_OUT"]] == "out"
    assert {"landing", "out", "pgdata"} <= set(COMPOSE["volumes"])


def test_postgres_init_script_creates_both_databases():
    pg = SERVICES["postgres"]
    mount = next(v for v in pg["volumes"] if "docker-entrypoint-initdb.d" in v)
    script = ROOT / mount.split(":")[0]
    text = script.read_text()
    assert "CREATE DATABASE" in text and "$WAREHOUSE_DB" in text and "$AIRFLOW_DB" in text
    for var in ("WAREHOUSE_DB", "WAREHOUSE_DB_USER", "WAREHOUSE_DB_PASSWORD", "AIRFLOW_DB",
                "AIRFLOW_DB_USER", "AIRFLOW_DB_PASSWORD"):
        assert var in pg["environment"], f"the init script needs {var}"


def test_env_example_names_every_variable_with_placeholders_only():
    text = (ROOT / "docker-compose.yml").read_text()
    used = {m.group(1) for m in VAR.finditer(text)}
    example = env_example()
    assert used <= set(example), f"missing from .env.example: {used - set(example)}"
    required = {m.group(1) for m in VAR.finditer(text) if m.group(2) == "?"}
    for name in required:
        assert "change-me" in example[name], f"{name} looks like a real secret"
    assert ".env" in (ROOT / ".gitignore").read_text().split(), "keep .env out of git"
    assert ".env" in (ROOT / ".dockerignore").read_text().split(), "keep .env out of the image"
