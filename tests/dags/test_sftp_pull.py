"""Pulling feeds from the county's SFTP server (settings airflow.sftp) against a real SFTP server
(asyncssh on 127.0.0.1, password login, pinned host key) through the real SFTPHook and an
Airflow connection from `AIRFLOW_CONN_SFTP_COUNTY`: only the requested months are copied, a
file already landed with the same size is not copied again, no `.part` file is left, a broken
connection says which connection and what to do without showing the password, and feed_ingest
loads a feed that only exists on the SFTP server."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from shouwang.context import Context
from shouwang.orchestration.landing import landed_files
from shouwang.orchestration.sftp import pull_sftp
from tests.dags.conftest import FAST_RETRIES
from tests.dags.embedded import ON_SQLITE, run_airflow
from tests.dags.sftp_server import SftpServer
from tests.dags.test_feed_ingest import CONF, write_health_feed
from tests.support.pii import find_plaintext
from warehouse.models import FeedBatch

CONN_ID = "sftp_county"
CONN_ENV = "AIRFLOW_CONN_SFTP_COUNTY"
REMOTE_DIR = "/outbox"


def sftp_settings(path: Path, conn_id: str = CONN_ID, remote_dir: str = REMOTE_DIR, extra: str = "") -> Path:
    """A settings file turning SFTP pulling on (SHOUWANG_CONFIG points at it), merged with the
    `airflow:` keys of the YAML text ``extra``."""
    data = yaml.safe_load(extra) or {"airflow": {}}
    data["airflow"]["sftp"] = {"conn_id": conn_id, "remote_dir": remote_dir}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def server(tmp_path):
    with SftpServer(tmp_path / "sftp-root") as s:
        (s.root / REMOTE_DIR.strip("/")).mkdir()
        yield s


@pytest.fixture
def pulling(ctx, server, tmp_path, monkeypatch):
    """ctx with airflow.sftp set and the Airflow connection defined in the environment."""
    monkeypatch.setenv("SHOUWANG_CONFIG", str(sftp_settings(tmp_path / "sftp.yaml")))
    monkeypatch.setenv(CONN_ENV, server.airflow_connection())
    assert ctx.settings["airflow"]["sftp"] == {"conn_id": CONN_ID, "remote_dir": REMOTE_DIR}
    return ctx


def _outbox(server: SftpServer) -> Path:
    return server.root / REMOTE_DIR.strip("/")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@ON_SQLITE
def test_pull_copies_only_the_requested_months_and_only_once(pulling, server, tmp_path):
    outbox, landing = _outbox(server), tmp_path / "landing"
    feeds = {
        "卫健_2026-10.csv": "姓名,身份证号\n".encode() + b"x" * 70_000,  # more than one SFTP read
        "医保_202610.xlsx": b"PK\x03\x04 October, month written without a dash",
        "住建_2026-10.csv": b"already landed, same size",
        "教育_2026-10.csv": b"a corrected resend, longer than the landed one",
    }
    others = {
        "医保_2026-09.xlsx": b"September",
        "民政_2026-10.csv.part": b"the department is still uploading",
        ".卫健_2026-10.csv.swp": b"an editor's file",
        "readme.txt": b"not a feed",
    }
    for name, data in {**feeds, **others}.items():
        (outbox / name).write_bytes(data)
    (outbox / "archive_2026-10").mkdir()  # a folder named like a feed is not a feed
    landing.mkdir()
    (landing / "住建_2026-10.csv").write_bytes(b"ALREADY LANDED, SAME SIZE")  # same size: kept
    (landing / "教育_2026-10.csv").write_bytes(b"first send")  # other size: replaced

    assert pull_sftp(pulling, landing, ["2026-10"]) == 3

    assert _files(landing) == {**feeds, "住建_2026-10.csv": b"ALREADY LANDED, SAME SIZE"}
    assert not list(landing.glob("*.part")) and not list(landing.glob(".*"))
    assert [f["name"] for f in landed_files(landing, "2026-10")] == sorted(feeds)

    # A rerun (the sensor pokes again, or the run is cleared) copies nothing and changes nothing.
    stamps = {p.name: p.stat().st_mtime_ns for p in landing.iterdir()}
    assert pull_sftp(pulling, landing, ["2026-10"]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in landing.iterdir()} == stamps

    # Asking for September as well adds September's file only.
    assert pull_sftp(pulling, landing, ["2026-09", "2026-10"]) == 1
    assert (landing / "医保_2026-09.xlsx").read_bytes() == b"September"
    assert not list(landing.glob("*.part"))


@ON_SQLITE
def test_pull_makes_the_landing_folder_and_copies_nothing_when_the_month_has_no_file(pulling, server, tmp_path):
    (_outbox(server) / "卫健_2026-09.csv").write_bytes(b"September only")
    landing = tmp_path / "new" / "landing"
    assert pull_sftp(pulling, landing, ["2026-10"]) == 0
    assert landing.is_dir() and not list(landing.iterdir())


@ON_SQLITE
def test_a_copy_that_fails_leaves_no_part_file_and_says_which_file(pulling, server, tmp_path):
    (_outbox(server) / "卫健_2026-10.csv").write_bytes(b"a feed")
    landing = tmp_path / "landing"
    (landing / "卫健_2026-10.csv").mkdir(parents=True)  # something in the way of the rename

    with pytest.raises(RuntimeError, match=r"failed \(copy 卫健_2026-10.csv, folder /outbox\).*landing folder"):
        pull_sftp(pulling, landing, ["2026-10"])
    assert [p.name for p in landing.iterdir()] == ["卫健_2026-10.csv"]  # no .part beside it


@ON_SQLITE
def test_a_wrong_password_names_the_connection_and_what_to_check_but_not_the_password(
        pulling, server, tmp_path, monkeypatch):
    wrong = "Wr0ng-" + server.password[::-1]
    monkeypatch.setenv(CONN_ENV, server.airflow_connection(password=wrong))
    (_outbox(server) / "卫健_2026-10.csv").write_bytes(b"a feed")
    landing = tmp_path / "landing"

    with pytest.raises(RuntimeError) as raised:
        pull_sftp(pulling, landing, ["2026-10"])

    message = str(raised.value)
    assert f"connection '{CONN_ID}' at 127.0.0.1:{server.port}" in message, message
    assert "Authentication" in message and "check the Airflow connection 'sftp_county'" in message
    assert wrong not in message and server.password not in message
    assert wrong not in str(raised.value.__cause__)
    assert not list(landing.glob("*"))  # nothing half-copied


@ON_SQLITE
def test_a_missing_folder_or_connection_or_a_server_that_is_down_says_what_to_do(
        ctx, server, tmp_path, monkeypatch):
    def settled(name: str, **sftp) -> Context:  # settings are read once per Context
        monkeypatch.setenv("SHOUWANG_CONFIG", str(sftp_settings(tmp_path / name, **sftp)))
        return Context(warehouse=ctx.warehouse, home=ctx.home)

    landing = tmp_path / "landing"
    monkeypatch.setenv(CONN_ENV, server.airflow_connection())
    with pytest.raises(RuntimeError, match=r"failed \(list, folder /nowhere\).*check that /nowhere exists"):
        pull_sftp(settled("elsewhere.yaml", remote_dir="/nowhere"), landing, ["2026-10"])

    with pytest.raises(RuntimeError) as raised:
        pull_sftp(settled("nobody.yaml", conn_id="sftp_nobody"), landing, ["2026-10"])
    assert "connection 'sftp_nobody'" in str(raised.value)
    assert "define or fix the Airflow connection 'sftp_nobody'" in str(raised.value)

    with SftpServer(tmp_path / "closed") as gone:
        closed_port = gone.port  # a port nobody listens on once this server is gone
    monkeypatch.setenv(CONN_ENV, server.airflow_connection(port=closed_port))
    with pytest.raises(RuntimeError) as raised:
        pull_sftp(settled("sftp.yaml"), landing, ["2026-10"])
    message = str(raised.value)
    assert f"connection 'sftp_county' at 127.0.0.1:{closed_port} failed (connect" in message, message
    assert "and that the server is up" in message and server.password not in message
    assert not landing.exists() or not list(landing.iterdir())


@ON_SQLITE
def test_feed_ingest_loads_a_feed_that_is_only_on_the_sftp_server(ctx, airflow_env, server, tmp_path):
    landing = Path(airflow_env["SHOUWANG_LANDING"])
    secrets = write_health_feed(_outbox(server))
    # The DAG tests' fast retries, with airflow.sftp beside them; the connection in the environment.
    config = sftp_settings(tmp_path / "sftp-fast-retries.yaml", extra=FAST_RETRIES)
    env = {**airflow_env, CONN_ENV: server.airflow_connection(), "SHOUWANG_CONFIG": str(config)}

    run = run_airflow(env, "run", "feed_ingest", "feed_ingest", *CONF)

    assert run.states == [("feed_ingest", "success")] * 2, run.output[-3000:]
    assert sorted(p.name for p in landing.iterdir()) == ["卫健_2026-10.csv"]
    with ctx.engine.connect() as conn:
        loaded = conn.execute(select(FeedBatch.department, FeedBatch.status, FeedBatch.rows_loaded)).all()
    assert loaded == [("health", "loaded", 5)]  # the rerun neither copied nor loaded it again
    airflow_home = Path(env["AIRFLOW_HOME"])
    assert server.password not in run.output
    assert find_plaintext([airflow_home], secrets + [server.password]) == []
