"""Corrections on the ingest side: a far smaller file is held until accepted, two files of one
department and month fail together, and the "same file?" check holds under concurrency."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.corrections import held_batches
from connectors.ingest import ingest_file, ingest_landed, ingest_landing
from shouwang import pipeline
from shouwang.cli import main
from tests.connectors import factory as f
from warehouse.models import FeedBatch, FeedRecord, PipelineEvent

PERSONS = f.people(40, seed=5)
PERIOD = "2026-10"


def _batches(ctx) -> dict[int, tuple[str, str]]:
    with ctx.engine.connect() as conn:
        return {b.id: (b.source_file, b.status) for b in conn.execute(
            select(FeedBatch.id, FeedBatch.source_file, FeedBatch.status).order_by(FeedBatch.id))}


def _live_records(ctx) -> int:
    with ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(FeedRecord).join(
            FeedBatch, FeedBatch.id == FeedRecord.batch_id)
            .where(FeedBatch.status == "loaded")).scalar_one()


def test_a_far_smaller_correction_is_held_until_accepted(ctx, tmp_path, capsys):
    (tmp_path / "old").mkdir()
    full = ingest_file(ctx, f.write_csv(tmp_path / "old" / "人社_2026-10.csv",
                                        f.feed_rows("hr", PERSONS[:30])))
    small = f.write_csv(tmp_path / "人社_2026-10_更正.csv", f.feed_rows("hr", PERSONS[:1]))

    held = ingest_file(ctx, small)

    assert (full.status, held.status) == ("loaded", "held")
    assert "1 rows where the loaded 人社_2026-10.csv" in held.note
    assert f"shouwang feeds accept {held.batch_id}" in held.note
    assert _batches(ctx) == {full.batch_id: ("人社_2026-10.csv", "loaded"),
                             held.batch_id: ("人社_2026-10_更正.csv", "held")}
    assert _live_records(ctx) == 30  # the held rows are stored but not used
    # Landing the same small file again changes nothing and says it is still held.
    again = ingest_file(ctx, small)
    assert (again.status, again.batch_id) == ("held", held.batch_id)
    assert len(_batches(ctx)) == 2
    with ctx.engine.connect() as conn:
        assert [h.batch_id for h in held_batches(conn, PERIOD)] == [held.batch_id]
    # The county digest shows it, with the command that applies it.
    digest = Path(pipeline.publish(ctx, PERIOD, tmp_path / "out")["folder"]) / f"县级预警汇总_{PERIOD}.html"
    page = digest.read_text(encoding="utf-8")
    assert "待确认的更正文件（1 个" in page and "人社_2026-10_更正.csv" in page
    assert f"shouwang feeds accept {held.batch_id}" in page

    assert main(["--warehouse", ctx.warehouse, "--home", str(ctx.home),
                 "feeds", "accept", "人社_2026-10_更正.csv"]) == 0

    out = capsys.readouterr().out
    assert f"accepted  人社_2026-10_更正.csv (batch {held.batch_id}" in out
    assert _batches(ctx) == {full.batch_id: ("人社_2026-10.csv", "superseded"),
                             held.batch_id: ("人社_2026-10_更正.csv", "loaded")}
    assert _live_records(ctx) == 1
    # Accepting twice is a clean one-line error.
    assert main(["--warehouse", ctx.warehouse, "--home", str(ctx.home),
                 "feeds", "accept", str(held.batch_id)]) == 1
    assert "no held batch is" in capsys.readouterr().err


def test_a_correction_of_similar_size_supersedes_at_once(ctx, tmp_path):
    (tmp_path / "old").mkdir()
    full = ingest_file(ctx, f.write_csv(tmp_path / "old" / "人社_2026-10.csv",
                                        f.feed_rows("hr", PERSONS[:30])))
    fixed = ingest_file(ctx, f.write_csv(tmp_path / "人社_2026-10.csv",
                                         f.feed_rows("hr", PERSONS[:20])))
    assert fixed.status == "loaded" and fixed.superseded == [full.batch_id]


def test_a_full_file_after_a_held_one_supersedes_both(ctx, tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    full = ingest_file(ctx, f.write_csv(tmp_path / "a" / "人社_2026-10.csv",
                                        f.feed_rows("hr", PERSONS[:30])))
    held = ingest_file(ctx, f.write_csv(tmp_path / "b" / "人社_2026-10.csv",
                                        f.feed_rows("hr", PERSONS[:2])))
    final = ingest_file(ctx, f.write_csv(tmp_path / "人社_2026-10.csv",
                                         f.feed_rows("hr", PERSONS[:31])))
    assert held.status == "held" and final.status == "loaded"
    assert sorted(final.superseded) == sorted([full.batch_id, held.batch_id])


@pytest.mark.parametrize("lister", ["cli", "airflow"])
def test_two_files_of_one_department_and_month_load_neither(ctx, tmp_path, lister):
    f.write_csv(tmp_path / "卫健_2026-10.csv", f.feed_rows("health", PERSONS[:5]))
    f.write_csv(tmp_path / "health_2026-10_v2.csv", f.feed_rows("health", PERSONS[:6]))
    f.write_csv(tmp_path / "人社_2026-10.csv", f.feed_rows("hr", PERSONS[:5]))
    f.write_csv(tmp_path / "花名册_2026-10.csv", f.roster_rows(PERSONS[:6]), "gb18030")

    if lister == "cli":
        results = ingest_landing(ctx, PERIOD, tmp_path)
    else:  # one mapped task per file, each looking at its landing folder
        results = [ingest_landed(ctx, tmp_path / name, PERIOD)
                   for name in ("卫健_2026-10.csv", "health_2026-10_v2.csv", "人社_2026-10.csv")]

    by_status = sorted((r.department, r.status) for r in results)
    assert set(by_status) == {("health", "failed"), ("hr", "loaded")}
    failed = next(r for r in results if r.status == "failed")
    assert "两个文件" in failed.error and "keep one" in failed.error
    assert "卫健_2026-10.csv" in failed.error and "health_2026-10_v2.csv" in failed.error
    with ctx.engine.connect() as conn:
        loaded = conn.execute(select(FeedBatch.department).where(
            FeedBatch.status == "loaded")).scalars().all()
        events = conn.execute(select(PipelineEvent.detail).where(
            PipelineEvent.kind == "failure", PipelineEvent.department == "health")).scalars().all()
    assert loaded == ["hr"]  # neither health file, and never the roster
    assert len(events) == 1 and "duplicate_feed: " in events[0] and "两个文件" in events[0]


def test_the_same_file_landed_twice_at_once_loads_once(ctx, tmp_path):
    """Both loaders pass the quick look; the check under the feed's lock stops the second."""
    path = f.write_csv(tmp_path / "人社_2026-10.csv", f.feed_rows("hr", PERSONS))
    ctx.vault()  # an initialised warehouse: its key is registered before any run
    results, start = [], threading.Barrier(2)

    def load() -> None:
        start.wait()
        results.append(ingest_file(ctx, path))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(r.status for r in results) == ["loaded", "unchanged"]
    assert list(_batches(ctx).values()) == [("人社_2026-10.csv", "loaded")]
    assert _live_records(ctx) == len(PERSONS)
