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
