"""shouwang.pipeline: the lists are always published; a failed stage or feed is recorded, and
`run` ends with one line saying what failed."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from connectors.roster import load_roster
from shouwang import pipeline
from tests.connectors import factory as f
from warehouse.identity import make_id
from warehouse.models import FeedBatch, PipelineEvent

PERIOD = "2026-10"
PERSONS = f.people(24, seed=9)


@pytest.fixture
def landing(ctx, tmp_path):
    """A roster and a landing folder: two good feeds and one that names no department."""
    load_roster(ctx, f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "gb18030"))
    folder = tmp_path / "landing"
    folder.mkdir()
    f.write_csv(folder / "卫健_2026-10.csv", f.feed_rows("health", PERSONS[:8]))
    f.write_csv(folder / "人社_2026-10.csv", f.feed_rows("hr", PERSONS[:8]))
    f.write_csv(folder / "不明_2026-10.csv", f.feed_rows("hr", PERSONS[:2]))
    return folder


def _events(ctx) -> list[str]:
    with ctx.engine.connect() as conn:
        return conn.execute(select(PipelineEvent.detail).where(
            PipelineEvent.kind == "failure", PipelineEvent.department.is_(None))).scalars().all()


@pytest.mark.parametrize("stage", ["matching.linker.link_period", "screening.screen.screen_period"])
def test_a_failed_stage_still_publishes_the_lists(ctx, landing, tmp_path, monkeypatch, stage):
    secret = make_id("500230", dt.date(1980, 5, 6), 17, male=True)
    module, name = stage.rsplit(".", 1)

    def broken(*_args, **_kw):  # a bug in the stage, quoting a cell as bugs do
        raise RuntimeError(f"cannot handle {secret}")

    monkeypatch.setattr(__import__(module, fromlist=[name]), name, broken)

    with pytest.raises(pipeline.StageFailed) as failed:
        pipeline.run(ctx, PERIOD, landing, tmp_path / "out")

    message = str(failed.value)
    what = "matching" if "link" in name else "screening"
    assert message.startswith(f"{what} of {PERIOD} failed (RuntimeError: cannot handle ")
    assert "\n" not in message and secret not in message
    assert "were published" in message and "run again" in message
    assert (tmp_path / "out" / PERIOD / f"县级预警汇总_{PERIOD}.html").exists()
    events = _events(ctx)
    assert len(events) == 1 and events[0].startswith(f"{what} of {PERIOD} failed")
    assert secret not in events[0]


def test_a_failed_feed_never_stops_the_run(ctx, landing, tmp_path):
    result = pipeline.run(ctx, PERIOD, landing, tmp_path / "out")

    statuses = sorted((r["source_file"], r["status"]) for r in result["ingest"])
    assert statuses == sorted([("人社_2026-10.csv", "loaded"), ("卫健_2026-10.csv", "loaded"),
                               ("不明_2026-10.csv", "failed")])
    assert (tmp_path / "out" / PERIOD / f"县级预警汇总_{PERIOD}.html").exists()
    assert result["screen"]["period"] == PERIOD
    # A rerun changes nothing: the same files are unchanged, the same failure recorded once.
    again = pipeline.run(ctx, PERIOD, landing, tmp_path / "out")
    assert sorted(r["status"] for r in again["ingest"]) == ["failed", "unchanged", "unchanged"]
    with ctx.engine.connect() as conn:
        assert len(conn.execute(select(FeedBatch.id)).all()) == 4  # the roster and three feeds
