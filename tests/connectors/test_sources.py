"""Landing folder, a department's SQL view and its paged HTTP JSON API, each for real."""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import create_engine, text

from connectors.errors import FeedError
from connectors.ingest import ingest_source
from connectors.sources import HttpJsonSource, LandingSource, SqlSource
from tests.connectors import factory as f

PERSONS = f.people(7, seed=11)


def test_landing_lists_the_periods_feeds_oldest_first(tmp_path):
    for name in ("医保_2026-10.xlsx", "health_2026-10.csv", "医保_2026-09.xlsx", "roster.csv",
                 ".hidden_2026-10.csv", "readme.txt", "notes.pdf", "民政.csv"):
        (tmp_path / name).write_bytes(b"x")
    os.utime(tmp_path / "health_2026-10.csv", (0, 0))
    names = [p.name for p in LandingSource(tmp_path).files("2026-10")]
    assert names[0] == "health_2026-10.csv"  # the oldest first
    assert sorted(names) == sorted(["health_2026-10.csv", "民政.csv", "医保_2026-10.xlsx"])
    with pytest.raises(FeedError, match="does not exist"):
        LandingSource(tmp_path / "nope").files("2026-10")


def test_sql_source_reads_a_departments_view(ctx, tmp_path):
    dept_db = create_engine(f"sqlite:///{tmp_path / 'yibao.db'}")
    rows = f.feed_rows("medical_insurance", PERSONS)
    with dept_db.begin() as conn:
        cols = ", ".join(f'"{h}" TEXT' for h in rows[0])
        conn.execute(text(f"CREATE TABLE settled (period TEXT, {cols})"))
        for period in ("2026-09", "2026-10"):
            for r in rows:
                conn.execute(text(f"INSERT INTO settled VALUES (:period, "
                                  f"{', '.join(':c' + str(i) for i in range(len(r)))})"),
                             {"period": period, **{f"c{i}": v for i, v in enumerate(r.values())}})
        conn.execute(text("CREATE VIEW v_settled AS SELECT * FROM settled"))
    dept_db.dispose()
    source = SqlSource("医保", f"sqlite:///{tmp_path / 'yibao.db'}",
                       "SELECT * FROM v_settled WHERE period = :period")
    result = ingest_source(ctx, source, "2026-10")
    assert (result.status, result.rows_loaded, result.source_file) == \
        ("loaded", 7, "sql:医保")
    assert ingest_source(ctx, source, "2026-10").status == "unchanged"
    assert ingest_source(ctx, source, "2026-08").status == "failed"  # no rows for that period
    broken = SqlSource("医保", f"sqlite:///{tmp_path / 'yibao.db'}", "SELECT * FROM missing")
    failed = ingest_source(ctx, broken, "2026-10")
    assert failed.status == "failed" and "query failed" in failed.error


class _Api(BaseHTTPRequestHandler):
    records: list = []
    failures: dict = {}  # page → how many 503s to answer first
    delay = 0.0
    calls: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        q = parse_qs(urlparse(self.path).query)
        page, size = int(q["page"][0]), int(q["page_size"][0])
        type(self).calls.append((q["period"][0], page))
        time.sleep(self.delay)
        if self.failures.get(page, 0) > 0:
            self.failures[page] -= 1
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"items": self.records[(page - 1) * size: page * size]}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first, as the timeout test intends

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    _Api.records = f.feed_rows("hr", PERSONS)
    _Api.failures, _Api.delay, _Api.calls = {2: 1}, 0.0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hr"
    server.shutdown()
    server.server_close()


def test_http_source_pages_and_retries(ctx, api):
    source = HttpJsonSource("hr", api, page_size=3, backoff=0.01)
    result = ingest_source(ctx, source, "2026-10")
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 7, 7)
    assert _Api.calls == [("2026-10", 1), ("2026-10", 2), ("2026-10", 2), ("2026-10", 3)]


def test_http_source_gives_up_after_its_retries_with_a_clear_error(api):
    _Api.failures = {1: 99}
    source = HttpJsonSource("hr", api, page_size=3, retries=2, backoff=0.01)
    with pytest.raises(FeedError, match="failed 3 times") as e:
        source.fetch("2026-10")
    assert e.value.reason == "source_unreachable" and len(_Api.calls) == 3


def test_http_source_times_out(api):
    _Api.delay = 0.5
    source = HttpJsonSource("hr", api, timeout=0.1, retries=1, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(FeedError, match="ReadTimeout"):
        source.fetch("2026-10")
    assert time.monotonic() - started < 2


def test_http_settings_come_from_yaml():
    source = HttpJsonSource.from_settings("hr", "http://127.0.0.1:1/x", {
        "ingest": {"http": {"timeout_seconds": 3, "retries": 5, "backoff_seconds": 2,
                            "page_size": 50}}})
    assert (source.timeout, source.retries, source.backoff, source.page_size) == (3.0, 5, 2.0, 50)


# --- configured pulls (settings sources:) landed as files ------------------------------------

def _health_view(pg_server, rows: list[dict]) -> str:
    """A real PostgreSQL database of the 卫健 department with a view of its monthly rows."""
    import uuid

    url = pg_server.create_database(f"src_{uuid.uuid4().hex[:10]}")
    engine = create_engine(url)
    headers = list(rows[0])
    with engine.begin() as conn:
        cols = ", ".join(f'"{h}" TEXT' for h in headers)
        conn.execute(text(f"CREATE TABLE diagnoses (period TEXT, {cols})"))
        for r in rows:
            conn.execute(text(f"INSERT INTO diagnoses VALUES (:period, "
                              f"{', '.join(':c' + str(i) for i in range(len(r)))})"),
                         {"period": "2026-10", **{f"c{i}": v for i, v in enumerate(r.values())}})
        conn.execute(text("CREATE VIEW v_weijian AS SELECT * FROM diagnoses"))
    engine.dispose()
    return url


class _TokenApi(BaseHTTPRequestHandler):
    """The 人社 department's API: answers only with its token."""

    records: list = []
    token = "s3cret-token"

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_response(401)
            self.end_headers()
            return
        q = parse_qs(urlparse(self.path).query)
        page, size = int(q["page"][0]), int(q["page_size"][0])
        body = json.dumps({"data": self.records[(page - 1) * size: page * size]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def token_api():
    _TokenApi.records = f.feed_rows("hr", PERSONS)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/hr"
    server.shutdown()
    server.server_close()


def _configure(ctx, sources: dict) -> None:
    ctx.settings["sources"] = sources


def test_configured_pulls_land_as_files_and_load_like_dropped_ones(ctx, pg_server, token_api,
                                                                  tmp_path, monkeypatch):
    from sqlalchemy import select

    from connectors.ingest import ingest_landing
    from shouwang.orchestration.landing import pull_sources
    from tests.support.pii import find_plaintext
    from warehouse.models import FeedRecord

    monkeypatch.setenv("TEST_WEIJIAN_URL", _health_view(pg_server, f.feed_rows("health", PERSONS)))
    monkeypatch.setenv("TEST_HR_TOKEN", _TokenApi.token)
    _configure(ctx, {
        "卫健": {"kind": "sql", "url_env": "TEST_WEIJIAN_URL",
                 "query": "SELECT * FROM v_weijian WHERE period = :period"},
        "hr": {"kind": "http", "url": token_api, "token_env": "TEST_HR_TOKEN", "items_key": "data"},
    })
    landing = tmp_path / "landing"
    pulled = pull_sources(ctx, landing, ["2026-10"])
    assert [(p["department"], p["status"], p["file"]) for p in pulled] == [
        ("health", "landed", "卫健_2026-10_数据接口.xlsx"),
        ("hr", "landed", "人社_2026-10_数据接口.xlsx")]
    stamp = (landing / "卫健_2026-10_数据接口.xlsx").stat().st_mtime_ns
    # The same rows again: nothing rewritten, so the file's checksum (and the batch) stay.
    assert [p["status"] for p in pull_sources(ctx, landing, ["2026-10"])] == ["unchanged"] * 2
    assert (landing / "卫健_2026-10_数据接口.xlsx").stat().st_mtime_ns == stamp

    results = {r.department: r for r in ingest_landing(ctx, "2026-10", landing)}
    assert {d: (r.status, r.rows_loaded) for d, r in results.items()} == \
        {"health": ("loaded", 7), "hr": ("loaded", 7)}
    with ctx.engine.connect() as conn:
        lineage = conn.execute(select(FeedRecord.source_file, FeedRecord.source_row)
                               .where(FeedRecord.department == "health")
                               .order_by(FeedRecord.source_row)).all()
    assert lineage[0] == ("卫健_2026-10_数据接口.xlsx", 2)  # file#row, under its header row
    assert [r.status for r in ingest_landing(ctx, "2026-10", landing)] == ["unchanged"] * 2
    # The token never reaches the landed files.
    assert find_plaintext([landing], [_TokenApi.token]) == []


def test_a_failing_pull_is_that_departments_problem_only(ctx, pg_server, token_api, tmp_path,
                                                          monkeypatch):
    from shouwang.orchestration.landing import pull_sources

    monkeypatch.setenv("TEST_HR_TOKEN", "wrong-token")
    monkeypatch.setenv("TEST_WEIJIAN_URL", _health_view(pg_server, f.feed_rows("health", PERSONS)))
    _configure(ctx, {
        "health": {"kind": "sql", "url_env": "TEST_WEIJIAN_URL",
                   "query": "SELECT * FROM v_weijian WHERE period = :period"},
        "hr": {"kind": "http", "url": token_api, "token_env": "TEST_HR_TOKEN", "items_key": "data"},
    })
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "卫健_2026-10_数据接口.xlsx").write_bytes(b"dropped by hand, not pulled")
    pulled = {p["department"]: p for p in pull_sources(ctx, landing, ["2026-10"])}
    assert pulled["health"]["status"] == "failed" and "move it away" in pulled["health"]["error"]
    assert (landing / "卫健_2026-10_数据接口.xlsx").read_bytes() == b"dropped by hand, not pulled"
    assert pulled["hr"]["status"] == "failed" and "HTTP 401" in pulled["hr"]["error"]
    assert "wrong-token" not in pulled["hr"]["error"]
    assert pull_sources(ctx, landing, ["2026-09"])[0]["error"].startswith("sql:卫健: returned no rows")


@pytest.mark.parametrize("sources, env, message", [
    ({"林业": {"kind": "sql", "url": "sqlite://", "query": "SELECT 1"}}, {}, "sources.林业: unknown department"),
    ({"health": {"kind": "ftp", "url": "x"}}, {}, "sources.health.kind: 'ftp' is not sql or http"),
    ({"health": {"kind": "sql", "url_env": "TEST_NOT_SET", "query": "q"}}, {},
     "environment variable TEST_NOT_SET is not set"),
    ({"health": {"kind": "sql", "url": "sqlite://"}}, {}, "a sql source needs query"),
    ({"health": {"kind": "http"}}, {}, "give url or url_env"),
])
def test_source_settings_are_checked_with_the_key_to_fix(sources, env, message, monkeypatch):
    from connectors.sources import configured_sources

    monkeypatch.delenv("TEST_NOT_SET", raising=False)
    with pytest.raises(FeedError, match=message) as e:
        configured_sources({"sources": sources})
    assert e.value.reason == "source_config"


def test_configured_sources_follow_the_contract_order_and_settings():
    from connectors.sources import configured_sources

    made = configured_sources({"ingest": {"http": {"page_size": 50, "retries": 1}}, "sources": {
        "hr": {"kind": "http", "url": "http://127.0.0.1:1/x", "params": {"county": "500230"}},
        "医保": {"kind": "sql", "url": "sqlite://", "query": "SELECT * FROM v WHERE period = :period"},
    }})
    assert [(s.department, s.kind, s.label) for s in made] == [
        ("medical_insurance", "sql", "sql:医保"), ("hr", "http", "http:人社")]
    assert (made[1].page_size, made[1].retries, made[1].params) == (50, 1, {"county": "500230"})
    assert configured_sources({}) == []
